// Signs a built worker (dist/workers/<name>/: code.zip + plugin.json) and writes manifest.json and
// manifest.sig beside it. Shared by `credvend plugin sign` and the local stack.
import { parseProtocolVersion, PROTOCOL_VERSION } from "../plugin-protocol/protocol-version.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { codeSha256Of } from "../functions/adapters/plugins/file-code-hash.js";
import { writeSignedManifest } from "./signed-manifest-files.js";
import type { WorkerRegistration } from "../functions/adapters/config/function-config.js";
import { signManifest, type Ed25519KeyPair, type PluginManifest } from "../functions/core/plugin-trust/index.js";
import { buildWorker, readWorkerPackage } from "../infra/build-workers.js";

export interface SignedWorker {
  readonly manifest: PluginManifest;
  readonly signature: string;
  readonly zipPath: string;
  readonly manifestPath: string;
  readonly signaturePath: string;
}

/**
 * `dir` holds the zip (code.zip) and plugin.json; the manifest binds the zip's SHA-256, the handler,
 * runtime and environment allowlist of plugin.json to the key. A plugin.json allowing a forbidden
 * variable (NODE_OPTIONS, …) is refused.
 */
export async function signBuiltWorker(
  dir: string,
  key: Ed25519KeyPair,
  now: Date = new Date(),
  zipName = "code.zip",
): Promise<SignedWorker> {
  const info = readWorkerPackage(dir);
  const zipPath = join(dir, zipName);
  let zip: Buffer;
  try {
    zip = readFileSync(zipPath);
  } catch {
    throw new Error(`${zipPath}: not found (run npm run build:workers first, or sign the worker's source folder)`);
  }
  const protocolVersion = info.protocolVersion ?? PROTOCOL_VERSION;
  const { manifest, signature } = await signManifest(
    {
      name: info.name,
      version: info.version,
      // The package names the major (readWorkerPackage checked the version's syntax).
      protocol: `credvend.plugin.v${parseProtocolVersion(protocolVersion)!.major}`,
      protocolVersion,
      providers: info.providers,
      capabilities: info.capabilities,
      handler: info.handler,
      runtime: info.runtime,
      environment: info.environment,
      codeSha256: codeSha256Of(zip),
      signedAt: now.toISOString(),
    },
    key.privateKey,
    key.publicKey,
  );
  return { manifest, signature, zipPath, ...writeSignedManifest(dir, manifest, signature) };
}

/**
 * For a worker run locally from source: build its deterministic zip from that source, sign it,
 * and register it with `codeZip` pointing at the zip, so the core checks it like a deployment.
 */
export async function signedLocalRegistration(options: {
  sourceDir: string;
  outRoot: string;
  key: Ed25519KeyPair;
  url: string;
  providers?: readonly string[];
}): Promise<WorkerRegistration> {
  const built = await buildWorker(options.sourceDir, options.outRoot);
  const signed = await signBuiltWorker(built.outDir, options.key);
  return {
    name: built.info.name,
    url: options.url,
    providers: options.providers ?? built.info.providers,
    signed: { manifest: signed.manifest, signature: signed.signature },
    codeZip: signed.zipPath,
  };
}
