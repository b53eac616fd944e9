// The workers installed from registries (credvend.plugins.json) under the local stack. Each is
// verified before a byte of it is unpacked — its manifest's signature by a key the operator
// trusts (--trust, CREDVEND_TRUSTED_KEYS: never the key recorded beside it in the checkout), its
// zip's SHA-256 the signed one — then unpacked safely (unpack-zip.ts) and run in its own process
// (worker-process.ts) under Node's permission model (a Python worker: under bubblewrap,
// python-sandbox.ts), with only the variables its manifest allows
// and its own caller secret. A worker that fails a check is registered but never started: the
// core refuses it, and the log says why.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import type { WorkerRegistration } from "../../functions/adapters/config/function-config.js";
import { codeSha256Of } from "../../functions/adapters/plugins/file-code-hash.js";
import { checkManifestSignature, type PluginManifest, type TrustStore } from "../../functions/core/plugin-trust/index.js";
import type { Logger } from "../../functions/core/ports/logger.js";
import { readInstalledPlugins } from "../registry/installed-plugins.js";
import { readSignedManifest } from "../signed-manifest-files.js";
import { PYTHON, type PythonSandbox, pythonSandbox, pythonSandboxUnavailableMessage, pythonWorkerCommand } from "./python-sandbox.js";
import { permissionFlag, SandboxUnavailableError, sandboxUnavailableMessage, type PermissionFlag } from "./node-sandbox.js";
import { unpackZip } from "./unpack-zip.js";
import { ZipRefusedError } from "./zip-entries.js";
import { createCallerSecret } from "./worker-caller-secret.js";
import { LOCAL_CORE_ROLE, startWorkerProcess, type WorkerProcess } from "./worker-process.js";

/** Where a worker that must not run is "reached": nothing listens, and the core refuses it first. */
const NOWHERE = "http://127.0.0.1:9";

export interface InstalledWorkers {
  readonly registrations: WorkerRegistration[];
  /** Each running worker's URL and its own caller secret (for the core's signer). */
  readonly secrets: ReadonlyMap<string, string>;
  readonly processes: readonly WorkerProcess[];
  close(): Promise<void>;
}

export interface InstalledWorkersOptions {
  readonly pluginsFile: string;
  /** Where the zips are unpacked for running (rewritten at every start). */
  readonly runDir: string;
  /** The operator's trusted publisher keys. */
  readonly trust: TrustStore;
  /** Run them without the permission model where Node has none (the operator asked for it). */
  readonly unsandboxed?: boolean;
  readonly logger: Logger;
  /** The permission flag of this Node (tests pass undefined to see the refusal). */
  readonly permission?: PermissionFlag | undefined;
  /** How Python workers are confined (tests pass a reason to see the refusal); probed when needed. */
  readonly pythonSandbox?: PythonSandbox | { readonly unavailable: string };
}

export async function startInstalledWorkers(options: InstalledWorkersOptions): Promise<InstalledWorkers> {
  const { plugins } = readInstalledPlugins(options.pluginsFile);
  const permission = "permission" in options ? options.permission : permissionFlag();
  if (plugins.length > 0 && !permission && !options.unsandboxed) throw new SandboxUnavailableError(sandboxUnavailableMessage());
  if (!permission && plugins.length > 0)
    options.logger.log("warn", "installed workers run WITHOUT Node's permission model (--unsandboxed-plugins)", {});
  const project = dirname(resolve(options.pluginsFile));
  const processes: WorkerProcess[] = [];
  const registrations: WorkerRegistration[] = [];
  const secrets = new Map<string, string>();
  const close = async () => {
    await Promise.all(processes.map((p) => p.stop()));
  };
  let python: PythonSandbox | { readonly unavailable: string } | undefined = options.pythonSandbox;
  const pythonLaunch = (runDir: string) => {
    python ??= pythonSandbox();
    if ("bwrap" in python) return pythonWorkerCommand(python, runDir);
    if (!options.unsandboxed) throw new SandboxUnavailableError(pythonSandboxUnavailableMessage(python.unavailable));
    options.logger.log("warn", "installed Python workers run WITHOUT bubblewrap (--unsandboxed-plugins)", { reason: python.unavailable });
    return pythonWorkerCommand(undefined, runDir);
  };
  try {
    for (const plugin of plugins) {
      const dir = resolve(project, plugin.dir);
      const signed = readSignedManifest(dir);
      const zipPath = join(dir, "code.zip");
      const base = { name: plugin.name, providers: [...plugin.providers], signed, codeZip: zipPath };
      const runDir = resolve(options.runDir, plugin.name);
      const checked = await unpacked(plugin.name, signed, readFileSync(zipPath), runDir, options.trust);
      if (!checked.ok) {
        options.logger.log("warn", "installed worker not started", { worker: plugin.name, reason: checked.reason });
        registrations.push({ ...base, url: NOWHERE });
        continue;
      }
      const callerSecret = createCallerSecret();
      const isPython = checked.manifest.runtime.startsWith("python");
      const common = { name: plugin.name, dir: runDir, env: environmentOf(checked.manifest), callerSecret, logger: options.logger };
      const started = await startWorkerProcess(
        isPython ? { ...common, ...pythonLaunch(runDir) } : { ...common, ...entryOf(checked.manifest.handler, runDir), permission },
      );
      processes.push(started);
      secrets.set(started.url, callerSecret);
      registrations.push({ ...base, providers: [...checked.manifest.providers], url: started.url });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { registrations, secrets, processes, close };
}

type Verified = { ok: true; manifest: PluginManifest } | { ok: false; reason: string };

/** Verified, then unpacked into runDir (or why not: nothing is written then). */
async function unpacked(
  name: string,
  signed: ReturnType<typeof readSignedManifest>,
  zip: Buffer,
  runDir: string,
  trust: TrustStore,
): Promise<Verified> {
  const checked = await verified(name, signed, zip, trust);
  if (!checked.ok) return checked;
  try {
    unpackZip(zip, runDir);
  } catch (error) {
    if (!(error instanceof ZipRefusedError)) throw error;
    return { ok: false, reason: `its zip is refused: ${error.message}` };
  }
  if (checked.manifest.runtime.startsWith("python") && !existsSync(join(runDir, "__main__.py")))
    return { ok: false, reason: "its zip has no __main__.py (a Python worker runs as python3 code.zip)" };
  return checked;
}

/** Everything checked before any byte is written: trusted signature, name, runtime, code hash. */
async function verified(name: string, signed: ReturnType<typeof readSignedManifest>, zip: Buffer, trust: TrustStore): Promise<Verified> {
  const check = await checkManifestSignature(signed, trust);
  if (!check.ok)
    return {
      ok: false,
      reason:
        check.reason === "unknown_key"
          ? `${check.detail}: pass its publisher.pub.json with --trust (or CREDVEND_TRUSTED_KEYS) after checking it with the publisher`
          : `${check.reason}: ${check.detail}`,
    };
  const { manifest } = check;
  if (manifest.name !== name) return { ok: false, reason: `its signed manifest names ${manifest.name}` };
  if (!/^(nodejs|python)/.test(manifest.runtime))
    return { ok: false, reason: `runtime ${manifest.runtime} does not run in the local stack (nodejs and python do)` };
  if (manifest.runtime.startsWith("python") && !existsSync(PYTHON))
    return { ok: false, reason: `runtime ${manifest.runtime} runs on ${PYTHON}, which is not installed` };
  if (codeSha256Of(zip) !== manifest.codeSha256) return { ok: false, reason: "its code.zip is not the signed code" };
  return { ok: true, manifest };
}

function entryOf(handler: string, runDir: string): { modulePath: string; exportName: string } {
  const dot = handler.lastIndexOf(".");
  const module = handler.slice(0, dot);
  const modulePath = [`${module}.mjs`, `${module}.js`].map((f) => resolve(runDir, f)).find((f) => existsSync(f));
  if (!modulePath?.startsWith(`${resolve(runDir)}${sep}`)) throw new Error(`installed worker: ${handler} names no module in its zip`);
  return { modulePath, exportName: handler.slice(dot + 1) };
}

/** Only the variables the signed manifest allows, with our values; the caller role is ours to set. */
function environmentOf(manifest: PluginManifest): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of manifest.environment) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  env.CREDVEND_ALLOWED_CALLERS = JSON.stringify([LOCAL_CORE_ROLE]);
  return env;
}
