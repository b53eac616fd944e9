// `credvend plugin conformance`: the protocol's contract run against a running worker, one line
// per check. Any worker, in any language, that passes it speaks the protocol as the core expects.
import { readCallerSecretFor } from "../dev/worker-caller-secret.js";
import { parseArgs } from "node:util";
import { parseScope, ScopeSyntaxError } from "../../plugin-protocol/scope.js";
import { CliError } from "../cli-error.js";
import { formatResult } from "./conformance-result.js";
import { runConformance } from "./run-conformance.js";

export const PLUGIN_CONFORMANCE_USAGE = `credvend plugin conformance — check a running worker against the plugin protocol

Usage: credvend plugin conformance --url URL [--caller-secret S | --caller-secret-file F] [--scope SCOPE ...] [--ttl SECONDS]

Calls the worker over gRPC-web as the core does and prints one line per check (PASS, FAIL or
SKIP, with the reason): Describe; calls without or with a wrong caller secret refused; a wrong
content type, an unknown method, malformed and oversize frames refused; Prepare equal to
ValidateScope + AnalyzeScope + SerializeScope; an invalid scope refused and nothing minted;
Vend's credential, expiry and reference; Revoke idempotent and an unknown credential not
"revoked"; every call within the deadline; only documented error codes; no secret (a vended
value, the caller secret) in any message. --scope runs the vend checks: give scopes the worker
accepts. It vends (and revokes) a real credential.

Options:
  --url URL                 The worker's base URL, e.g. http://127.0.0.1:7301
  --caller-secret S         The secret the worker takes calls with (also CREDVEND_CALLER_SECRET)
  --caller-secret-file F    Read it from a file (one secret, or the local stack's .credvend/worker-caller-secrets.json)
  --scope SCOPE             A scope to vend with, provider:action:resource (repeatable)
  --ttl SECONDS             TTL asked in Vend (default 900)
  --timeout MS              Deadline of each call (default 5000, the core's)
  -h, --help                Show this help
Exit status: 0 when every check passes or is skipped, 1 when one fails, 2 on a usage error.
`;

export async function runPluginConformance(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      url: { type: "string" },
      "caller-secret": { type: "string" },
      "caller-secret-file": { type: "string" },
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
  const callerSecret = values["caller-secret-file"]
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
  process.stdout.write(`conformance of ${url}\n`);
  const results = await runConformance({ url, ...(callerSecret ? { callerSecret } : {}), scopes, ttlSeconds, timeoutMs }, (result) =>
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
