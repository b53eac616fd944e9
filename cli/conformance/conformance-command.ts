// `credvend plugin conformance`: the protocol's contract run against a running worker, one line
// per check. Any worker, in any language, that passes it speaks the protocol as the core expects.
import { readCallerSecretFor } from "../dev/worker-caller-secret.js";
import { parseArgs } from "node:util";
import { parseScope, ScopeSyntaxError } from "../../plugin-protocol/scope.js";
import { CliError } from "../cli-error.js";
import { sigV4FromEnvironment } from "./aws-environment.js";
import { formatResult } from "./conformance-result.js";
import { runConformance } from "./run-conformance.js";

export const PLUGIN_CONFORMANCE_USAGE = `credvend plugin conformance — check a running worker against the plugin protocol

Usage: credvend plugin conformance --url URL [--caller-secret S | --caller-secret-file F | --sigv4 [--region R]]
                                   [--scope SCOPE ...] [--ttl SECONDS] [--timeout MS]

Calls the worker over gRPC-web as the core does and prints one line per check (PASS, FAIL or
SKIP, with the reason): Describe; calls without or with a wrong caller credential refused; a wrong
content type, an unknown method, malformed and oversize frames refused; Prepare equal to
ValidateScope + AnalyzeScope + SerializeScope; an invalid scope refused and nothing minted;
Vend's credential, expiry and reference; Revoke idempotent and an unknown credential not
"revoked"; every call within the deadline, and a call sent with grpc-timeout 50m answered within
it or with deadline_exceeded; only documented error codes; no secret (a vended value, the caller
secret, an AWS secret) in any message. --scope runs the vend checks: give scopes the worker
accepts. It vends (and revokes) a real credential.

A deployed worker (a Function URL with AWS_IAM auth) takes --sigv4: every call is SigV4-signed
(service lambda) with the AWS credentials of the environment (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), whose role must be one the worker allows
(CREDVEND_ALLOWED_CALLERS); the caller checks send an unsigned call and one signed with a wrong
secret key, and expect the Function URL's 403.

Options:
  --url URL                 The worker's base URL, e.g. http://127.0.0.1:7301 or https://<id>.lambda-url.<region>.on.aws
  --caller-secret S         The secret the worker takes calls with (also CREDVEND_CALLER_SECRET)
  --caller-secret-file F    Read it from a file (one secret, or the local stack's .credvend/worker-caller-secrets.json)
  --sigv4                   Sign every call with SigV4 instead (AWS credentials from the environment)
  --region R                The Function URL's region for --sigv4 (default: AWS_REGION, AWS_DEFAULT_REGION, or the URL's)
  --scope SCOPE             A scope to vend with, provider:action:resource (repeatable)
  --ttl SECONDS             TTL asked in Vend (default 900)
  --timeout MS              Deadline of each call (default 5000, the core's)
  -h, --help                Show this help
Exit status: 0 when every check passes or is skipped, 1 when one fails, 2 on a usage error
(including --sigv4 without credentials or a region).
`;

export async function runPluginConformance(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      url: { type: "string" },
      "caller-secret": { type: "string" },
      "caller-secret-file": { type: "string" },
      sigv4: { type: "boolean" },
      region: { type: "string" },
      scope: { type: "string", multiple: true },
      ttl: { type: "string" },
      timeout: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(PLUGIN_CONFORMANCE_USAGE);
    return 0;
  }
  const url = values.url;
  if (!url || !/^https?:\/\//.test(url)) throw new CliError("--url: the worker's http(s) base URL is required", 2);
  if (values.region !== undefined && !values.sigv4) throw new CliError("--region goes with --sigv4", 2);
  const sigv4 = values.sigv4 ? sigV4FromEnvironment(url, values.region) : undefined;
  if (sigv4 && (values["caller-secret"] !== undefined || values["caller-secret-file"] !== undefined))
    throw new CliError("--sigv4 signs the calls: give no caller secret with it", 2);
  const callerSecret = sigv4
    ? undefined
    : values["caller-secret-file"]
      ? readCallerSecretFor(values["caller-secret-file"], url)
      : (values["caller-secret"] ?? process.env.CREDVEND_CALLER_SECRET);
  const scopes = (values.scope ?? []).map((text) => {
    try {
      return parseScope(text);
    } catch (error) {
      if (error instanceof ScopeSyntaxError) throw new CliError(`--scope: ${error.message}`, 2);
      throw error;
    }
  });
  const ttlSeconds = whole("--ttl", values.ttl, 900);
  const timeoutMs = whole("--timeout", values.timeout, 5000);
  process.stdout.write(`conformance of ${url}${sigv4 ? ` (SigV4, lambda, ${sigv4.region})` : ""}\n`);
  const proof = sigv4 ? { sigv4 } : callerSecret ? { callerSecret } : {};
  const results = await runConformance({ url, ...proof, scopes, ttlSeconds, timeoutMs }, (result) =>
    process.stdout.write(`${formatResult(result)}\n`),
  );
  const count = (verdict: string) => results.filter((r) => r.verdict === verdict).length;
  const failed = count("fail");
  process.stdout.write(
    `${failed === 0 ? "conformant" : "NOT conformant"}: ${count("pass")} passed, ${failed} failed, ${count("skip")} skipped\n`,
  );
  return failed === 0 ? 0 : 1;
}

function whole(option: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`${option}: a positive whole number`, 2);
  return n;
}
