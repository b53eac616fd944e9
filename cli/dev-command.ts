import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { JsonLogger } from "../functions/adapters/notify/json-logger.js";
import { PolicyLoadError } from "../functions/core/policy/load-policy.js";
import { CliError } from "./cli-error.js";
import { localTrustedKeys } from "./dev/local-trust.js";
import { SandboxUnavailableError } from "./dev/node-sandbox.js";
import { startLocalStack } from "./local-stack.js";
import type { WorkerStatusRow } from "../functions/core/plugin-trust/verified-plugin-directory.js";
import { PLUGINS_FILE } from "./registry/installed-plugins.js";

export const DEV_USAGE = `credvend dev — run credvend locally on its embedded default (no AWS account)

Usage: credvend dev [--port 8787] [--data-dir .credvend] [--policy credvend.policy.yaml] [--plugins credvend.plugins.json]
                    [--trust publisher.pub.json…] [--unsandboxed-plugins]

Starts an embedded DynamoDB-compatible server (dynalite, data under <data-dir>/dynamodb), the
local-tokens, aws-sts and github workers on loopback ports (gRPC-web; aws-sts vends only once
configured, e.g. CREDVEND_AWS_ROLE_ARN, and otherwise answers 503 "not configured"; github vends
from the dev GitHub stand-in's dev App, key under <data-dir>/dev-github, unless GITHUB_APP_ID or
GITHUB_API_URL name your own), a dev OIDC issuer, and the vend API and the
GitHub leak webhooks on http://127.0.0.1:<port> (with a dev GitHub stand-in under /dev-github
unless GITHUB_API_URL is set). Workers are signed with a dev publisher key (<data-dir>/dev-publisher)
and verified before use, as on AWS (\`credvend plugin list\` shows them). Workers installed from a
registry (credvend plugin install: credvend.plugins.json) run too, each verified first (its
publisher's signature by a key YOU trust: --trust or CREDVEND_TRUSTED_KEYS, never a key from the
checkout; its zip's SHA-256), then unpacked and run from its signed zip as its Function URL would
run it, in its own process under Node's permission model (its own folder readable, nothing else;
no processes, threads or addons), with only the variables its manifest declares and its own caller
secret. Ctrl-C stops everything; the next start reuses the data.

The dev GitHub stand-in also takes files for its repositories, as a push would:
  curl -X PUT --data-binary @release.yaml <url>/dev-github/dev/repos/acme/infra/contents/.github/credvend/release.yaml
commits to the default branch and delivers a signed push webhook (?deliver=false: commit only;
DELETE removes the file).

Options:
  --port N          Port of the vend API (default: $PORT or 8787)
  --data-dir DIR    Where data and the dev signing key live (default: .credvend)
  --policy FILE     Policy file (default: credvend.policy.yaml)
  --plugins FILE    Installed workers (default: credvend.plugins.json, when it exists)
  --trust FILE      A publisher key you trust for installed workers (publisher.pub.json); repeatable.
                    CREDVEND_TRUSTED_KEYS (a JSON array of such keys) is trusted too
  --unsandboxed-plugins  Run installed workers even where they cannot be confined (a Node without
                    the permission model; for Python workers, no working bubblewrap): they could
                    read every file you can. Without it, such workers are refused
  --log-level L     debug | info | warn | error (default: info)
  --sweep-interval D  How often the leak sweeper runs: 2s, 1m, ... (default: 60s)
  --poll-interval D   How often open secret-scanning alerts are listed, so a leak is contained
                      even if its webhook is lost: 2s, 1m, ... (default: 60s)
  -h, --help        Show this help
`;

export async function runDev(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: "string" },
      "data-dir": { type: "string", default: ".credvend" },
      policy: { type: "string", default: "credvend.policy.yaml" },
      plugins: { type: "string" },
      trust: { type: "string", multiple: true },
      "unsandboxed-plugins": { type: "boolean" },
      "log-level": { type: "string", default: "info" },
      "sweep-interval": { type: "string", default: "60s" },
      "poll-interval": { type: "string", default: "60s" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(DEV_USAGE);
    return 0;
  }
  const port = Number(values.port ?? process.env.PORT ?? "8787");
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port: "${values.port}" is not a port number`, 2);
  const level = values["log-level"];
  if (level !== "debug" && level !== "info" && level !== "warn" && level !== "error")
    throw new CliError(`--log-level: must be debug, info, warn or error`, 2);

  const sweepIntervalMs = parseInterval(values["sweep-interval"], "--sweep-interval");
  const pollIntervalMs = parseInterval(values["poll-interval"], "--poll-interval");

  // The default file is optional; a file named on the command line must exist.
  if (values.plugins !== undefined && !existsSync(values.plugins))
    throw new CliError(`--plugins: ${values.plugins} does not exist (credvend plugin install writes it)`, 2);
  const pluginsFile = values.plugins ?? (existsSync(PLUGINS_FILE) ? PLUGINS_FILE : undefined);

  let policyYaml: string;
  try {
    policyYaml = readFileSync(values.policy, "utf8");
  } catch {
    throw new CliError(`cannot read the policy file ${values.policy}`);
  }
  const stack = await startLocalStack({
    dataDir: values["data-dir"],
    port,
    policyYaml,
    sweepIntervalMs,
    pollIntervalMs,
    ...(pluginsFile ? { pluginsFile } : {}),
    trustedKeys: localTrustedKeys(values.trust ?? []),
    unsandboxedPlugins: values["unsandboxed-plugins"] === true,
    logger: new JsonLogger({ service: "credvend-dev", level }),
  }).catch((err: unknown) => {
    if (err instanceof PolicyLoadError) throw new CliError(`${values.policy}: ${err.message}`);
    if (err instanceof SandboxUnavailableError) throw new CliError(err.message);
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE")
      throw new CliError(`port ${port} is in use: stop the other process or pass --port / PORT`);
    throw err;
  });

  process.stdout.write(banner(stack.url, stack.workerUrl, values["data-dir"], workerStates(stack.plugins.status())));
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  process.stdout.write("\nstopping...\n");
  await stack.close();
  process.stdout.write("stopped.\n");
  return 0;
}

/** One line per worker: verified or not, configured or not (and what it lacks), as Describe said. */
export function workerStates(rows: readonly WorkerStatusRow[]): string {
  const width = Math.max(...rows.map((row) => row.name.length));
  return rows
    .map((row) => {
      const c = row.configuration;
      const configured =
        c === undefined
          ? "configuration unknown"
          : c.configured
            ? "configured"
            : `NOT configured${c.missing ? `: needs ${c.missing}` : ""}`;
      return `    ${row.name.padEnd(width)}  ${row.state.status}, ${configured}`;
    })
    .join("\n");
}

function banner(url: string, workerUrl: string, dataDir: string, workers: string): string {
  return `
credvend is running (embedded default, no AWS account needed)
  vend API       ${url}   (POST /v1/vend, GET /healthz)
  leak webhooks  ${url}/webhooks/github/secret-scanning   (+ /partner; alerts on stderr)
  dev issuer     ${url}/dev-oidc   (trusted in dev mode only)
  worker         local-tokens at ${workerUrl}   (POST /introspect)
  workers        (npx credvend plugin list; npx credvend doctor)
${workers}
  data           ${dataDir}/

Get a dev token for a CI job of acme/web on main:
  TOKEN=$(npx credvend dev token --repository acme/web --ref refs/heads/main)

Vend a credential (allowed by credvend.policy.yaml):
  curl -s ${url}/v1/vend -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
    -d '{"scopes":["local:read:billing"],"ttlSeconds":600}'

A GitHub token for acme/web (ghs_, from the dev GitHub stand-in at ${url}/dev-github):
  curl -s ${url}/v1/vend -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
    -d '{"scopes":["github:contents-read:acme/web"],"ttlSeconds":900}'

Ask for something the policy does not allow (403, audited):
  curl -s ${url}/v1/vend -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
    -d '{"scopes":["local:admin:billing"]}'

Report its token as leaked, signed like GitHub (revokes it; a second report does nothing):
  npx credvend dev leak <cvd_ token>

Ctrl-C stops everything.
`;
}

/** `500ms`, `2s`, `1m`: an interval in milliseconds (at least 100 ms). */
export function parseInterval(text: string, option = "--sweep-interval"): number {
  const match = /^(\d+)(ms|s|m)$/.exec(text);
  const ms = match ? Number(match[1]) * ({ ms: 1, s: 1_000, m: 60_000 } as const)[match[2] as "ms" | "s" | "m"] : NaN;
  if (!(ms >= 100)) throw new CliError(`${option}: "${text}" is not a duration like 2s or 1m (at least 100ms)`, 2);
  return ms;
}
