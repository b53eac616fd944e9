// `credvend oidc-refresh`: the background process `credvend vend --format container` (and the
// Action's container format) starts. It owns its directory: when it stops — SIGTERM/SIGINT, or
// its token file removed — it deletes the directory, so no token outlives it on disk.
import { existsSync, rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { EXIT_NO_OIDC_TOKEN } from "./actions-oidc.js";
import { CliError } from "./cli-error.js";
import { runOidcRefresher } from "./oidc-refresher.js";
import { tokenFileIn } from "./oidc-token-file.js";

export const OIDC_REFRESH_USAGE = `credvend oidc-refresh — keep the job's OIDC token file fresh

Usage: credvend oidc-refresh --dir DIR [--audience AUD]

Runs in the foreground until stopped (SIGTERM, SIGINT), until DIR/token is removed, or until
every request has failed for an hour since the last token expired; then it deletes DIR. It asks ACTIONS_ID_TOKEN_REQUEST_URL for a new token when half the current one's
remaining life has passed and replaces DIR/token (0600) atomically; a failed request is retried
(1 s, 2 s, … up to 30 s) while the current token still serves. Problems go to stderr; a token
never does.

\`credvend vend --format container\` creates DIR, writes the first token and starts this command
in the background for you: you only need it yourself to run it differently.

Options:
  --dir DIR         The private directory holding \`token\` (it must exist)
  --audience AUD    Audience of the OIDC token (default: $CREDVEND_AUDIENCE or credvend)
  -h, --help        Show this help

Exit codes: 0 stopped; 2 usage error; 3 no Actions OIDC endpoint (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN).
`;

type Env = Readonly<Record<string, string | undefined>>;

export async function runOidcRefresh(argv: readonly string[], env: Env = process.env): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: { dir: { type: "string" }, audience: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(OIDC_REFRESH_USAGE);
    return 0;
  }
  const dir = values.dir;
  if (!dir || !existsSync(tokenFileIn(dir))) throw new CliError("--dir: a directory holding the token file is required", 2);
  if (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw new CliError("no Actions OIDC endpoint: ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN are not set", EXIT_NO_OIDC_TOKEN);
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  try {
    await runOidcRefresher({
      dir,
      audience: values.audience ?? env.CREDVEND_AUDIENCE ?? "credvend",
      env,
      log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
      signal: controller.signal,
    });
  } finally {
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
    rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}
