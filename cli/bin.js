#!/usr/bin/env node
// The `credvend` command. The CLI is TypeScript run through tsx, so `npx credvend` works in a
// checkout without a build step.
import { register } from "tsx/esm/api";

// A reader that stops early (`credvend audit … | head`) closes the pipe: what is left to print has
// nobody to read it, which is not a failure. End quietly with 0 instead of an EPIPE stack trace
// (exit 1 means "not found" in the CLI's scheme). One listener here covers every command.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});
// A closed stderr loses only diagnostics: keep going, and keep the command's own exit code.
process.stderr.on("error", (error) => {
  if (error.code !== "EPIPE") throw error;
});

// The AWS SDK warns on every start that future releases need Node 22; the deployed functions run
// on nodejs22.x, and the warning only adds noise to a developer's terminal.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
const { main } = await import("./main.ts");
process.exitCode = await main(process.argv.slice(2));
