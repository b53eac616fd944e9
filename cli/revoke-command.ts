// `credvend revoke <credential-id>`: a job (or a person holding one of its run's OIDC tokens)
// revokes a credential of its own run before it expires, as the Action's post step does.
import { parseArgs } from "node:util";
import { httpsUrlProblem } from "../functions/core/https-url.js";
import { fetchActionsOidcToken } from "./actions-oidc.js";
import { CliError } from "./cli-error.js";
import { revokeCredential } from "./credential-revocation.js";
import { EXIT_UNAVAILABLE } from "./vend-command.js";

export const REVOKE_USAGE = `credvend revoke — revoke a credential this workflow run vended, before it expires

Usage: credvend revoke <credential-id> --url URL [--audience AUD]

Sends DELETE /v1/credentials/<credential-id> with an OIDC token of the same workflow run as the
vend (same repository and run_id; another attempt is fine), as the Action's post step does at job
end. The token comes from GitHub (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN: the job needs
\`permissions: id-token: write\`), or from CREDVEND_OIDC_TOKEN. Locally, mint one for the run with
\`credvend dev token --repository R --run-id ID\`.

Options:
  --url URL         credvend's base URL, https (http only for loopback) (default: $CREDVEND_URL)
  --audience AUD    Audience of the OIDC token (default: $CREDVEND_AUDIENCE or credvend)
  -h, --help        Show this help

Exit codes: 0 revoked (now or before) or expired already; 1 not found for this run, or refused
(not revocable, a token of another run); 2 usage error; 3 no OIDC token; 5 credvend or the
worker unavailable, or a revocation in progress (try again).
`;

type Env = Readonly<Record<string, string | undefined>>;

export async function runRevoke(argv: readonly string[], env: Env = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      url: { type: "string" },
      audience: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(REVOKE_USAGE);
    return 0;
  }
  const [credentialId, ...extra] = positionals;
  if (credentialId === undefined || credentialId === "") throw new CliError("revoke: the credential id is required", 2);
  if (extra.length > 0) throw new CliError(`revoke: unexpected argument "${extra[0]}" (one credential id)`, 2);
  const url = (values.url ?? env.CREDVEND_URL ?? "").replace(/\/+$/, "");
  if (url === "") throw new CliError("--url (or CREDVEND_URL): credvend's https base URL is required", 2);
  // The run's OIDC token goes to this URL: never in clear text beyond this machine.
  const problem = httpsUrlProblem(url);
  if (problem) throw new CliError(`--url (or CREDVEND_URL): ${problem}`, 2);

  const token = await fetchActionsOidcToken(values.audience ?? env.CREDVEND_AUDIENCE ?? "credvend", env);
  const answer = await revokeCredential(url, token, credentialId);
  if (answer.kind === "unreachable") throw new CliError(answer.message, EXIT_UNAVAILABLE);
  if (answer.kind === "refused") {
    throw new CliError(`revoke ${credentialId} failed (${answer.status} ${answer.code}: ${answer.message})`, exitFor(answer));
  }
  process.stdout.write(`credential ${credentialId} ${answer.state}${answer.revokedBy ? ` (${answer.revokedBy})` : ""}\n`);
  return 0;
}

function exitFor(answer: { status: number; code: string }): number {
  if (answer.status === 400) return 2; // a malformed credential id
  if (answer.status >= 500 || answer.code === "revocation_in_progress") return EXIT_UNAVAILABLE;
  return 1;
}
