#!/usr/bin/env node
// The `credvend` command. The CLI is TypeScript run through tsx, so `npx credvend` works in a
// checkout without a build step.
import { register } from "tsx/esm/api";

// The AWS SDK warns on every start that future releases need Node 22; the deployed functions run
// on nodejs22.x, and the warning only adds noise to a developer's terminal.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
const { main } = await import("./main.ts");
process.exitCode = await main(process.argv.slice(2));
