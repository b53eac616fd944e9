// The workers installed from registries (credvend.plugins.json) under the local stack: each runs
// from its signed zip — the bytes whose SHA-256 the core verifies — in a worker thread that serves
// it as a Function URL would (lambda-host-thread.mjs), with only the variables its manifest allows.
// A worker whose zip is not its signed code is registered but never started: the core refuses it.
import { once } from "node:events";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Worker } from "node:worker_threads";
import { codeSha256Of } from "../../functions/adapters/plugins/file-code-hash.js";
import type { WorkerRegistration } from "../../functions/adapters/config/function-config.js";
import { parseManifest } from "../../functions/core/plugin-trust/manifest.js";
import type { TrustedKeyConfig } from "../../functions/core/plugin-trust/trust-store.js";
import type { Logger } from "../../functions/core/ports/logger.js";
import { CALLER_SECRET_HEADER } from "../../plugin-protocol/caller-secret.js";
import { readInstalledPlugins } from "../registry/installed-plugins.js";
import { readSignedManifest } from "../signed-manifest-files.js";
import { zipEntries } from "./zip-entries.js";

/** The role the local stack's core calls installed workers as (CREDVEND_ALLOWED_CALLERS names it). */
const LOCAL_CORE_ROLE = "arn:aws:iam::000000000000:role/credvend-local-core";
const LOCAL_CORE_SESSION = "arn:aws:sts::000000000000:assumed-role/credvend-local-core/local";
/** Where a worker that must not run is "reached": nothing listens, and the core refuses it first. */
const NOWHERE = "http://127.0.0.1:9";

export interface InstalledWorkers {
  readonly registrations: WorkerRegistration[];
  /** The publishers' keys, as install checked them against the operator's trusted keys. */
  readonly trustedKeys: TrustedKeyConfig[];
  close(): Promise<void>;
}

export async function startInstalledWorkers(options: {
  pluginsFile: string;
  /** Where the zips are unpacked for running (rewritten at every start). */
  runDir: string;
  callerSecret: string;
  logger: Logger;
}): Promise<InstalledWorkers> {
  const { plugins } = readInstalledPlugins(options.pluginsFile);
  const project = dirname(resolve(options.pluginsFile));
  const threads: Worker[] = [];
  const registrations: WorkerRegistration[] = [];
  const close = async () => {
    await Promise.all(
      threads.map(async (thread) => {
        const exited = once(thread, "exit");
        thread.postMessage("close");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
        await thread.terminate();
      }),
    );
  };
  try {
    for (const plugin of plugins) {
      const dir = resolve(project, plugin.dir);
      const signed = readSignedManifest(dir);
      const manifest = parseManifest(signed.manifest);
      const zipPath = join(dir, "code.zip");
      const zip = readFileSync(zipPath);
      const base = { name: plugin.name, providers: [...manifest.providers], signed, codeZip: zipPath };
      if (codeSha256Of(zip) !== manifest.codeSha256 || !/^nodejs/.test(manifest.runtime)) {
        options.logger.log("warn", "installed worker not started", {
          worker: plugin.name,
          reason: /^nodejs/.test(manifest.runtime)
            ? "its code.zip is not the signed code"
            : `runtime ${manifest.runtime} does not run in the local stack`,
        });
        registrations.push({ ...base, url: NOWHERE });
        continue;
      }
      const { thread, url } = await startThread(
        zip,
        manifest.handler,
        manifest.environment,
        join(options.runDir, plugin.name),
        options.callerSecret,
      );
      threads.push(thread);
      registrations.push({ ...base, url });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { registrations, trustedKeys: plugins.map((p) => p.publisher), close };
}

async function startThread(zip: Buffer, handler: string, allowlist: readonly string[], runDir: string, callerSecret: string) {
  rmSync(runDir, { recursive: true, force: true });
  for (const [name, data] of zipEntries(zip)) {
    mkdirSync(dirname(join(runDir, name)), { recursive: true });
    writeFileSync(join(runDir, name), data);
  }
  const dot = handler.lastIndexOf(".");
  const module = handler.slice(0, dot);
  const file = [`${module}.mjs`, `${module}.js`].map((f) => join(runDir, f)).find((f) => existsSync(f));
  if (!file) throw new Error(`installed worker: ${handler} names no module in its zip`);
  const env: Record<string, string> = { CREDVEND_ALLOWED_CALLERS: JSON.stringify([LOCAL_CORE_ROLE]) };
  for (const name of allowlist) if (process.env[name] !== undefined && name !== "CREDVEND_ALLOWED_CALLERS") env[name] = process.env[name]!;
  const thread = new Worker(new URL("./lambda-host-thread.mjs", import.meta.url), {
    env,
    workerData: {
      modulePath: file,
      exportName: handler.slice(dot + 1),
      callerSecret,
      callerHeader: CALLER_SECRET_HEADER,
      callerSessionArn: LOCAL_CORE_SESSION,
    },
  });
  const [first] = (await Promise.race([once(thread, "message"), once(thread, "error").then(([e]) => Promise.reject(e))])) as [
    { port?: number; error?: string },
  ];
  if (!first.port) {
    await thread.terminate();
    throw new Error(`installed worker did not start: ${first.error ?? "no port"}`);
  }
  thread.unref();
  return { thread, url: `http://127.0.0.1:${first.port}` };
}
