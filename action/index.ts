// The Action's one entry, for both `main` and `post` (action.yml): main marks its state, so the
// runner's post step finds STATE_isPost. It is also the OIDC token refresher main may start in
// the background (format container). Bundled into action/dist/index.mjs (build-action.ts).
import { CliError } from "../cli/cli-error.js";
import { REFRESHER_COMMAND } from "../cli/oidc-refresher-process.js";
import { runOidcRefresh } from "../cli/oidc-refresh-command.js";
import { isPostStep } from "./action-state.js";
import { runMain } from "./main.js";
import { runPost } from "./post.js";

const stdout = (text: string) => void process.stdout.write(text);

if (process.argv[2] === REFRESHER_COMMAND) {
  // The background refresher main started for format container (the runner passes no arguments).
  process.exitCode = await runOidcRefresh(process.argv.slice(3), process.env).catch((error: unknown) => {
    console.error(error instanceof CliError ? error.message : error);
    return error instanceof CliError ? error.exitCode : 1;
  });
} else if (isPostStep(process.env)) {
  // Never fails the job: post reports problems as warnings.
  await runPost(process.env, stdout).catch((error: unknown) =>
    stdout(`::warning::credvend: revoking at job end failed: ${error instanceof Error ? error.message : "error"}\n`),
  );
} else {
  await runMain(process.env, stdout).catch((error: unknown) => {
    const known = error instanceof CliError;
    stdout(`::error::credvend: ${known ? error.message : "unexpected error"}\n`);
    if (!known) console.error(error);
    process.exitCode = known ? error.exitCode : 1;
  });
}
