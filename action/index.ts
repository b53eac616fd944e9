// The Action's one entry, for both `main` and `post` (action.yml): main marks its state, so the
// runner's post step finds STATE_isPost. Bundled into action/dist/index.mjs (build-action.ts).
import { CliError } from "../cli/cli-error.js";
import { isPostStep } from "./action-state.js";
import { runMain } from "./main.js";
import { runPost } from "./post.js";

const stdout = (text: string) => void process.stdout.write(text);

if (isPostStep(process.env)) {
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
