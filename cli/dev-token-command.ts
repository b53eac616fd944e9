import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { defaultDevClaims, loadOrCreateDevIssuer } from "./dev/dev-oidc-issuer.js";
import { CredvendError } from "../functions/core/errors.js";
import { CliError } from "./cli-error.js";
import { DEV_ISSUER_PATH, STATE_FILE } from "./local-stack.js";

export const DEV_TOKEN_USAGE = `credvend dev token — mint an OIDC token from the local dev issuer

Usage: credvend dev token --repository OWNER/REPO [--ref refs/heads/main] [options]

Prints a token shaped like a GitHub Actions OIDC token, signed by the dev issuer of
\`credvend dev\` (key under <data-dir>/dev-oidc). Only the local stack trusts it.

Options:
  --repository R    Repository claim, e.g. acme/web (required). repository_id and
                    repository_owner_id are derived from the names (the same name always gets
                    the same id: acme/web is 264037838), so policies can anchor on ids locally
  --ref REF         Ref claim (default: refs/heads/main)
  --actor NAME      Actor claim (default: the repository owner)
  --workflow NAME   Workflow name (default: dev)
  --environment E   Environment claim (default: none)
  --run-id ID       run_id claim (default: random): give the same one to two tokens of one
                    workflow run, e.g. to revoke (DELETE /v1/credentials/{id}) what the first vended
  --run-attempt N   run_attempt claim (default: 1)
  --claim K=V       Any other claim, as a string (repeatable), e.g. --claim event_name=pull_request;
                    iss, aud, exp, iat, nbf and jti are the issuer's and cannot be set, and claims
                    with their own option (repository, ref, …) take that option
  --audience A      Audience (default: the running dev server's, else credvend)
  --ttl SECONDS     Token lifetime (default: 600)
  --data-dir DIR    Data folder of \`credvend dev\` (default: .credvend)
  -h, --help        Show this help
`;

export async function runDevToken(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      repository: { type: "string" },
      ref: { type: "string", default: "refs/heads/main" },
      actor: { type: "string" },
      workflow: { type: "string" },
      environment: { type: "string" },
      "run-id": { type: "string" },
      "run-attempt": { type: "string" },
      claim: { type: "string", multiple: true },
      audience: { type: "string" },
      ttl: { type: "string", default: "600" },
      "data-dir": { type: "string", default: ".credvend" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(DEV_TOKEN_USAGE);
    return 0;
  }
  if (!values.repository) throw new CliError("--repository is required (e.g. --repository acme/web)", 2);
  const ttlSeconds = Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new CliError("--ttl: must be a whole number of seconds", 2);

  const extraClaims = parseClaims(values.claim ?? []);
  const run = runClaims(values["run-id"], values["run-attempt"]);

  const dataDir = values["data-dir"];
  const state = readState(join(dataDir, STATE_FILE));
  const issuerUrl = state?.issuer ?? `http://127.0.0.1:${process.env.PORT ?? "8787"}${DEV_ISSUER_PATH}`;
  const issuer = await loadOrCreateDevIssuer({ dir: join(dataDir, "dev-oidc"), issuerUrl });
  try {
    const claims = defaultDevClaims({
      repository: values.repository,
      ref: values.ref,
      ...(values.actor ? { actor: values.actor } : {}),
      ...(values.workflow ? { workflow: values.workflow } : {}),
      ...(values.environment ? { environment: values.environment } : {}),
    });
    const token = await issuer.mint({
      ...claims,
      ...extraClaims,
      ...run,
      repository: values.repository,
      ref: values.ref,
      audience: values.audience ?? state?.audience ?? "credvend",
      ttlSeconds,
    });
    process.stdout.write(`${token}\n`);
    return 0;
  } catch (err) {
    if (err instanceof CredvendError) throw new CliError(err.message, 2);
    throw err;
  }
}

// Set by the issuer (or by --audience / --ttl): a token that lied about them would not be a test of anything.
const ISSUER_CLAIMS = ["iss", "aud", "exp", "iat", "nbf", "jti", "audience", "ttlSeconds"];
const OPTION_CLAIMS: Readonly<Record<string, string>> = {
  repository: "--repository",
  ref: "--ref",
  actor: "--actor",
  workflow: "--workflow",
  environment: "--environment",
  run_id: "--run-id",
  run_attempt: "--run-attempt",
};

/** `--claim key=value`, repeatable: extra string claims, never the issuer's own. */
function parseClaims(given: readonly string[]): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const text of given) {
    const at = text.indexOf("=");
    const name = at > 0 ? text.slice(0, at) : "";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new CliError(`--claim: "${text}" is not key=value`, 2);
    if (ISSUER_CLAIMS.includes(name))
      throw new CliError(`--claim: ${name} is set by the issuer (use --audience for aud, --ttl for exp)`, 2);
    const option = OPTION_CLAIMS[name];
    if (option) throw new CliError(`--claim: ${name} has its own option: use ${option}`, 2);
    if (name in claims) throw new CliError(`--claim: ${name} given twice`, 2);
    claims[name] = text.slice(at + 1);
  }
  return claims;
}

function runClaims(runId: string | undefined, runAttempt: string | undefined): Record<string, string> {
  if (runId !== undefined && !/^[1-9]\d{0,18}$/.test(runId)) throw new CliError(`--run-id: "${runId}" is not a run id (digits)`, 2);
  if (runAttempt !== undefined && !/^[1-9]\d{0,5}$/.test(runAttempt))
    throw new CliError(`--run-attempt: "${runAttempt}" is not an attempt number (1, 2, …)`, 2);
  return { ...(runId === undefined ? {} : { run_id: runId }), ...(runAttempt === undefined ? {} : { run_attempt: runAttempt }) };
}

function readState(path: string): { issuer?: string; audience?: string } | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as { issuer?: string; audience?: string };
  } catch {
    return undefined;
  }
}
