// `credvend vend`: the CI side. Gets the job's OIDC token, calls POST /v1/vend, and hands the
// credential on in the format the next step wants. Errors name the server's code and message
// (which never hold a secret); a credential is only ever written to stdout or $GITHUB_ENV.
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { fetchActionsOidcToken } from "./actions-oidc.js";
import { httpsUrlProblem } from "../functions/core/https-url.js";
import { IDENTITY_MESSAGE, isIdentity } from "../plugin-protocol/identity.js";
import { CliError } from "./cli-error.js";
import { FORMATS, writeContainerVariables, writeCredential, type OutputFormat, type VendAnswer } from "./credential-output.js";
import { setUpContainerCredentials } from "./container-credentials-setup.js";

export const EXIT_REFUSED = 4;
export const EXIT_UNAVAILABLE = 5;
const TIMEOUT_MS = 30_000;

export const VEND_USAGE = `credvend vend — get a short-lived credential for this CI job

Usage: credvend vend --url URL --scope SCOPE [--scope SCOPE ...] [options]

Gets the job's GitHub Actions OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, so the job needs
\`permissions: id-token: write\`), asks credvend for the scopes, and prints the credential.

Options:
  --url URL         credvend's base URL, https (http only for loopback: 127.0.0.0/8,
                    [::1], localhost) (default: $CREDVEND_URL)
  --scope SCOPE     A scope, e.g. aws:s3-read:my-bucket; repeat it, or separate several with
                    commas or spaces (default: $CREDVEND_SCOPES)
  --ttl SECONDS     Requested lifetime; the policy may narrow it (default: the policy's)
  --identity NAME   Self-serve trust: the identity whose target policy
                    (.github/credvend/NAME.yaml on the target's default branch) may grant the
                    scopes, within the central policy's delegations (default: $CREDVEND_IDENTITY)
  --audience AUD    Audience of the OIDC token (default: $CREDVEND_AUDIENCE or credvend)
  --format F        How to hand the credential on (default: json):
                      json                the vend answer, as JSON
                      env                 export lines for a shell: eval "$(credvend vend ...)"
                                          (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN,
                                          GH_TOKEN, or CREDVEND_TOKEN; plus CREDVEND_CREDENTIAL_ID,
                                          CREDVEND_EXPIRES_AT)
                      credential-process  AWS's {"Version":1,...} for credential_process in
                                          ~/.aws/config (aws scopes only)
                      github-env          masks every secret (::add-mask::), appends the same
                                          variables to $GITHUB_ENV, and credential-id / expires-at
                                          to $GITHUB_OUTPUT
                      github-output       masks every secret, and writes the credential as JSON
                                          (output \`credential\`), credential-id, expires-at and
                                          provider to $GITHUB_OUTPUT
                      container           vends nothing yet: sets the AWS SDKs and CLI up to get
                                          credentials from credvend themselves for the rest of
                                          the job, however long (aws scopes only). Writes the OIDC
                                          token to a private file (0600, under $RUNNER_TEMP or the
                                          system's temp dir), starts \`credvend oidc-refresh\` in
                                          the background to keep it fresh, and prints export lines
                                          for AWS_CONTAINER_CREDENTIALS_FULL_URI,
                                          AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE and
                                          CREDVEND_OIDC_REFRESH_PID (also appended to $GITHUB_ENV
                                          when set). Stop it with \`kill $CREDVEND_OIDC_REFRESH_PID\`
                                          (it deletes the token file); it also stops when the file
                                          is removed or the job ends
  -h, --help        Show this help

Environment: CREDVEND_OIDC_TOKEN, when set, is used instead of asking GitHub for a token.

Exit codes: 0 vended (container: set up); 2 usage error; 3 no OIDC token; 4 refused by credvend (400/401/403/413/415:
the message says why); 5 credvend or its upstream unavailable (5xx, time-out, unreachable).
`;

type Env = Readonly<Record<string, string | undefined>>;

export async function runVend(argv: readonly string[], env: Env = process.env): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      url: { type: "string" },
      scope: { type: "string", multiple: true },
      ttl: { type: "string" },
      identity: { type: "string" },
      audience: { type: "string" },
      format: { type: "string", default: "json" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(VEND_USAGE);
    return 0;
  }
  const request = checkArguments(values, env);
  if (request.format === "container") return setUpContainer(request, env);
  const token = await fetchActionsOidcToken(request.audience, env);
  const answer = await vend(request.url, token, request.scopes, request.ttlSeconds, request.identity);
  writeCredential(answer, request.format, { stdout: (text) => process.stdout.write(text), env });
  // Never secret: the worker's scope warnings, and how the TTL was narrowed or clamped.
  for (const line of answer.warnings ?? []) process.stderr.write(`credvend: warning: ${line}\n`);
  for (const line of answer.notes ?? []) process.stderr.write(`credvend: note: ${line}\n`);
  return 0;
}

const CONTAINER = "container";
type VendFormat = OutputFormat | typeof CONTAINER;

interface VendArguments {
  readonly url: string;
  readonly scopes: string[];
  readonly ttlSeconds?: number;
  readonly identity?: string;
  readonly audience: string;
  readonly format: VendFormat;
}

async function setUpContainer(request: VendArguments, env: Env): Promise<number> {
  const setup = await setUpContainerCredentials({
    ...request,
    env,
    tempRoot: env.RUNNER_TEMP || tmpdir(),
    refresherEntry: [fileURLToPath(new URL("./bin.js", import.meta.url))],
  });
  writeContainerVariables(setup.variables, { stdout: (text) => process.stdout.write(text), env }, { exports: true });
  for (const line of setup.notes) process.stderr.write(`credvend: note: ${line}\n`);
  return 0;
}

function checkArguments(
  values: { url?: string; scope?: string[]; ttl?: string; identity?: string; audience?: string; format?: string },
  env: Env,
): VendArguments {
  const url = (values.url ?? env.CREDVEND_URL ?? "").replace(/\/+$/, "");
  if (url === "") throw new CliError("--url (or CREDVEND_URL): credvend's https base URL is required", 2);
  // The job's OIDC token goes to this URL: never in clear text beyond this machine.
  const problem = httpsUrlProblem(url);
  if (problem) throw new CliError(`--url (or CREDVEND_URL): ${problem}`, 2);
  const scopes = (values.scope ?? [env.CREDVEND_SCOPES ?? ""]).flatMap((s) => s.split(/[\s,]+/)).filter((s) => s !== "");
  if (scopes.length === 0) throw new CliError("--scope (or CREDVEND_SCOPES): at least one scope is required", 2);
  const format = values.format as VendFormat;
  const formats: readonly VendFormat[] = [...FORMATS, CONTAINER];
  if (!formats.includes(format)) throw new CliError(`--format: must be one of ${formats.join(", ")}`, 2);
  if ((format === "credential-process" || format === CONTAINER) && !scopes.every((s) => s.startsWith("aws:"))) {
    throw new CliError(`--format ${format}: every scope must be an aws: scope`, 2);
  }
  const ttlSeconds = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttlSeconds !== undefined && (!Number.isInteger(ttlSeconds) || ttlSeconds < 1))
    throw new CliError("--ttl: a whole number of seconds", 2);
  const identity = values.identity ?? (env.CREDVEND_IDENTITY || undefined);
  if (identity !== undefined && !isIdentity(identity)) throw new CliError(`--identity (or CREDVEND_IDENTITY): ${IDENTITY_MESSAGE}`, 2);
  if (identity !== undefined && format === CONTAINER)
    throw new CliError("--identity: not with --format container (aws scopes take none)", 2);
  const audience = values.audience ?? env.CREDVEND_AUDIENCE ?? "credvend";
  return {
    url,
    scopes,
    audience,
    format,
    ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
    ...(identity === undefined ? {} : { identity }),
  };
}

export async function vend(
  baseUrl: string,
  token: string,
  scopes: readonly string[],
  ttlSeconds: number | undefined,
  identity?: string,
): Promise<VendAnswer> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/v1/vend`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({
        scopes,
        ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
        ...(identity === undefined ? {} : { identity }),
      }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    const timedOut = err instanceof Error && err.name === "TimeoutError";
    throw new CliError(
      timedOut ? `credvend at ${baseUrl} did not answer within ${TIMEOUT_MS / 1000}s` : `cannot reach credvend at ${baseUrl}`,
      EXIT_UNAVAILABLE,
    );
  }
  const body = (await response.json().catch(() => undefined)) as (VendAnswer & { error?: { code?: string; message?: string } }) | undefined;
  if (!response.ok) {
    const detail = body?.error ? `${response.status} ${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`;
    throw new CliError(
      `vend failed (${detail})${advice(response, body?.error?.message)}`,
      response.status >= 500 ? EXIT_UNAVAILABLE : EXIT_REFUSED,
    );
  }
  if (!body || typeof body.credentialId !== "string" || typeof body.credential !== "object" || body.credential === null) {
    throw new CliError(`credvend at ${baseUrl} answered 200 without a credential`, EXIT_UNAVAILABLE);
  }
  return body;
}

/** What to do next: retrying a worker that is not configured is pointless, configuring it is not. */
function advice(response: Response, message: string | undefined): string {
  if (response.status === 503 && message && NOT_CONFIGURED.test(message))
    return "; retrying will not help: the operator must configure that worker (what it needs is named above; `credvend doctor` lists every worker's state)";
  const retry = response.headers.get("retry-after");
  return retry ? `; retry after ${retry}s` : "";
}

// The workers' own words for a configuration they lack (aws-sts, github: "… is not configured: set …").
const NOT_CONFIGURED = /\bis not configured\b/;
