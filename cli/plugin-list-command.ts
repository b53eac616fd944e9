// `credvend plugin list`: every registered worker, verified now, with its status and why.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { ConfigError } from "../plugin-workers/sdk/env.js";
import { parseWorkers, type WorkerRegistration } from "../functions/adapters/config/function-config.js";
import { LambdaCodeHash } from "../functions/adapters/plugins/lambda-code-hash.js";
import { parseTrustedKeys } from "../functions/adapters/config/worker-trust-config.js";
import { silentLogger } from "../functions/core/ports/logger.js";
import type { TrustStore } from "../functions/core/plugin-trust/trust-store.js";
import { composePluginDirectory } from "../functions/adapters/plugins/compose-plugin-directory.js";
import { CliError } from "./cli-error.js";
import { WORKERS_FILE } from "./local-stack.js";
import { callerSecretsSigner, readCallerSecrets } from "./dev/worker-caller-secret.js";
import type { WorkerRequestSigner } from "../functions/adapters/plugins/signed-worker-requests.js";
import { PLUGINS_FILE, readInstalledPlugins, type InstalledPlugins } from "./registry/installed-plugins.js";

export const PLUGIN_LIST_USAGE = `credvend plugin list — installed workers, and the registered workers and whether the core would use them

Usage: credvend plugin list [--config FILE] [--dir DIR]

First the workers installed from registries into the project (<dir>/${PLUGINS_FILE}: name,
version, protocol, providers, publisher key, the registry it came from). Then:
Verifies every worker now, as the vend function does before first use (signature by a trusted
key, deployed code = the signed codeSha256, Describe = the manifest), and prints each one as
verified, unsigned (allowUnsigned), refused (with the reason) or unverifiable (no evidence, e.g.
the worker is down). Nothing is audited or alerted: this is a read-only check.

Configuration, first found: --config FILE (JSON {"trustedKeys":[...],"workers":[...]}, and
"callerSecretFile" when the workers want the local stack's caller secret); the
environment (CREDVEND_WORKERS, CREDVEND_TRUSTED_KEYS, as the deployed function reads them);
.credvend/${WORKERS_FILE}, written by a running \`credvend dev\`. Workers with "functionName" are
checked against Lambda's CodeSha256 (AWS credentials from the usual chain).

Options:
  --config FILE   Registrations and trusted keys as JSON
  --dir DIR       The project whose installed workers to show (default: the current folder)
  -h, --help      Show this help
Exit status: 0 when every worker may be used, 1 when one is refused or unverifiable.
`;

export async function runPluginList(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: { config: { type: "string" }, dir: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(PLUGIN_LIST_USAGE);
    return 0;
  }
  const installed = printInstalled(join(values.dir ?? ".", PLUGINS_FILE));
  if (installed > 0 && !values.config && process.env.CREDVEND_WORKERS === undefined && !existsSync(join(".credvend", WORKERS_FILE))) {
    process.stdout.write("(start credvend dev to verify them as the core does)\n");
    return 0;
  }
  const { workers, trustedKeys, source, workerSigner } = loadRegistrations(values.config);
  if (workers.length === 0) {
    process.stdout.write(`no workers registered (${source})\n`);
    return 0;
  }
  process.stdout.write(`checking ${workers.length} worker(s) from ${source} ...\n`);
  // The CLI keeps the SDK client: its credential chain and region (profiles, SSO) are the user's.
  let lambda: LambdaClient | undefined;
  const lambdaApi = {
    getFunctionConfiguration: (FunctionName: string) => {
      lambda ??= new LambdaClient({});
      return lambda.send(new GetFunctionConfigurationCommand({ FunctionName }));
    },
  };
  const directory = composePluginDirectory({
    workers,
    trustedKeys,
    ledger: { appendAudit: async () => undefined },
    notifier: { notify: async () => undefined },
    logger: silentLogger,
    deployedCode: (worker) => (worker.functionName ? new LambdaCodeHash(lambdaApi, worker.functionName) : undefined),
    workerTimeoutMs: 3000,
    ...(workerSigner ? { workerSigner } : {}),
  });
  const rows = await directory.verifyAll();
  lambda?.destroy();
  const table = rows.map((r) => [r.name, r.providers.join(","), r.state.status, r.state.detail]);
  const widths = [0, 1, 2].map((i) =>
    Math.max(...[["NAME", "PROVIDERS", "STATUS"][i]!, ...table.map((row) => row[i]!)].map((s) => s.length)),
  );
  const line = (cells: string[]) => `${cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join("  ")}\n`;
  process.stdout.write(line(["NAME", "PROVIDERS", "STATUS", "DETAIL"]) + table.map(line).join(""));
  return rows.every((r) => r.state.status === "verified" || r.state.status === "unsigned") ? 0 : 1;
}

/** The installed table; returns how many rows it printed. */
function printInstalled(path: string): number {
  let plugins: InstalledPlugins["plugins"];
  try {
    plugins = readInstalledPlugins(path).plugins;
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  if (plugins.length === 0) return 0;
  process.stdout.write(
    `installed (${path}):\n${table(
      ["NAME", "VERSION", "PROTOCOL", "PROVIDERS", "PUBLISHER", "FROM"],
      plugins.map((p) => [p.name, p.version, p.protocolVersion, p.providers.join(","), p.publisher.keyId, p.registry]),
    )}\n`,
  );
  return plugins.length;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `${cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i]!) : c)).join("  ")}\n`;
  return line(header) + rows.map(line).join("");
}

interface Registrations {
  readonly workers: WorkerRegistration[];
  readonly trustedKeys: TrustStore;
  readonly source: string;
  /** Sends the local stack's caller secret (workers.json's callerSecretFile). */
  readonly workerSigner?: WorkerRequestSigner;
}

function loadRegistrations(configPath: string | undefined): Registrations {
  try {
    if (configPath) return fromFile(configPath);
    if (process.env.CREDVEND_WORKERS !== undefined) {
      return {
        workers: parseWorkers(process.env.CREDVEND_WORKERS),
        trustedKeys: parseTrustedKeys(process.env.CREDVEND_TRUSTED_KEYS ?? "[]"),
        source: "CREDVEND_WORKERS",
      };
    }
    const local = join(".credvend", WORKERS_FILE);
    if (existsSync(local)) return fromFile(local);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
  throw new CliError(
    `no registrations: pass --config FILE, set CREDVEND_WORKERS, or start \`credvend dev\` (writes .credvend/${WORKERS_FILE})`,
  );
}

function fromFile(path: string): Registrations {
  let value: { workers?: unknown; trustedKeys?: unknown; callerSecretFile?: unknown };
  try {
    value = JSON.parse(readFileSync(path, "utf8")) as typeof value;
  } catch {
    throw new CliError(`${path}: cannot read it as JSON`);
  }
  return {
    workers: parseWorkers(JSON.stringify(value.workers ?? [])),
    trustedKeys: parseTrustedKeys(JSON.stringify(value.trustedKeys ?? []), `${path}: trustedKeys`),
    source: path,
    ...(typeof value.callerSecretFile === "string"
      ? { workerSigner: callerSecretFrom(resolve(dirname(path), value.callerSecretFile)) }
      : {}),
  };
}

function callerSecretFrom(secretPath: string): WorkerRequestSigner {
  try {
    return callerSecretsSigner(readCallerSecrets(secretPath));
  } catch (error) {
    throw new CliError(`${secretPath}: cannot read the caller secret (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
}
