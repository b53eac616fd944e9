// `credvend plugin sign` and `credvend plugin verify`: the publisher's and the operator's sides of
// a signed worker.
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { FileCodeHash } from "../functions/adapters/plugins/file-code-hash.js";
import { GrpcWebPluginClient } from "../functions/adapters/plugins/grpc-web-plugin-client.js";
import { callerSecretSigner, readCallerSecretFor } from "./dev/worker-caller-secret.js";
import { KeyFileError, readPrivateKeyFile } from "./publisher-key-files.js";
import { readSignedManifest } from "./signed-manifest-files.js";
import { parseTrustedKeys } from "../functions/adapters/config/worker-trust-config.js";
import { verifyWorker, type TrustStore, type WorkerEvidence } from "../functions/core/plugin-trust/index.js";
import { buildWorker } from "../infra/build-workers.js";
import { CliError } from "./cli-error.js";
import { signBuiltWorker } from "./sign-worker.js";

export const PLUGIN_SIGN_USAGE = `credvend plugin sign — sign a worker's code with a publisher key

Usage: credvend plugin sign --key <publisher.key> <worker-dir | code.zip>

<worker-dir> is either a built worker (dist/workers/<name>/: code.zip + plugin.json) or a
worker's source folder (plugin-workers/<name>/ with plugin.json), which is built first into
--out/<name>/ (deterministic zip). A zip must have its plugin.json beside it.
Writes manifest.json (name, version, protocol, providers, capabilities, codeSha256 of the zip,
handler, runtime and environment — the variable names the worker may be deployed with — from
plugin.json, publisherKeyId, signedAt) and manifest.sig (base64 Ed25519 signature over the
manifest's canonical bytes) next to the zip. An allowlist naming NODE_OPTIONS,
AWS_LAMBDA_EXEC_WRAPPER, LD_PRELOAD, NODE_PATH, NODE_EXTRA_CA_CERTS (or the like) is refused.

Options:
  --key FILE    The publisher's private key (credvend keys generate)
  --out DIR     Where a source folder is built (default: dist/workers)
  -h, --help    Show this help
`;

export const PLUGIN_VERIFY_USAGE = `credvend plugin verify — check a signed worker as the core would

Usage: credvend plugin verify --trust <publisher.pub.json> [--zip code.zip] [--url URL [--caller-secret-file F]] <dir>

Reads <dir>/manifest.json and manifest.sig, checks the signature against the trusted keys and
that the zip's SHA-256 is the manifest's codeSha256 (the Lambda configuration — handler,
runtime, layers, variable names — is checked by the core and at synth). With --url, also calls
the running worker's Describe and checks it agrees with the manifest (name, version, protocol,
providers, capabilities). Exit 0 when verified, 1 with the reason when refused.

Options:
  --trust FILE  A trusted key (publisher.pub.json) or a JSON array of them; repeatable
  --zip FILE    The code to check (default: <dir>/code.zip)
  --url URL     A running worker (gRPC-web base URL) to check Describe against
  --caller-secret-file F  The caller secret the worker takes calls with (a worker on loopback)
  -h, --help    Show this help
`;

export async function runPluginSign(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { key: { type: "string" }, out: { type: "string", default: join("dist", "workers") }, help: { type: "boolean", short: "h" } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) return print(PLUGIN_SIGN_USAGE);
  if (!values.key) throw new CliError("--key is required (a private key from `credvend keys generate`)", 2);
  if (positionals.length !== 1) throw new CliError("give exactly one worker folder or zip", 2);
  const target = positionals[0]!;
  const key = await readPrivateKeyFile(values.key).catch((error: unknown) => {
    throw error instanceof KeyFileError ? new CliError(error.message) : error;
  });

  let dir: string;
  let zipName = "code.zip";
  if (!existsSync(target)) throw new CliError(`${target}: not found`);
  if (statSync(target).isFile()) {
    if (!target.endsWith(".zip")) throw new CliError(`${target}: not a zip or a folder`, 2);
    dir = dirname(target);
    zipName = basename(target);
  } else if (existsSync(join(target, "code.zip"))) {
    dir = target;
  } else {
    process.stdout.write(`building ${target} ...\n`);
    const built = await buildWorker(target, values.out).catch((error: unknown) => {
      throw new CliError((error as Error).message);
    });
    process.stdout.write(`built ${built.zipPath} (${(built.bytes / 1024).toFixed(0)} KiB)\n`);
    dir = built.outDir;
  }
  const signed = await signBuiltWorker(dir, key, new Date(), zipName).catch((error: unknown) => {
    throw new CliError((error as Error).message);
  });
  const m = signed.manifest;
  process.stdout.write(
    `signed ${m.name} ${m.version} with key ${m.publisherKeyId}\n` +
      `  codeSha256  ${m.codeSha256}\n  providers   ${m.providers.join(", ")}\n  capabilities ${m.capabilities.join(", ")}\n` +
      `  handler     ${m.handler} (runtime ${m.runtime})\n  environment ${m.environment.join(", ") || "(none)"}\n` +
      `  wrote       ${signed.manifestPath}\n              ${signed.signaturePath}\n`,
  );
  return 0;
}

export async function runPluginVerify(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      trust: { type: "string", multiple: true },
      zip: { type: "string" },
      url: { type: "string" },
      "caller-secret-file": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) return print(PLUGIN_VERIFY_USAGE);
  const secretFile = values["caller-secret-file"];
  const sign = secretFile ? callerSecretSigner(readCallerSecretFor(secretFile, values.url)) : undefined;
  if (!values.trust?.length) throw new CliError("--trust is required (a publisher.pub.json you trust)", 2);
  if (positionals.length !== 1) throw new CliError("give exactly one folder holding manifest.json and manifest.sig", 2);
  const dir = positionals[0]!;
  const trust = readTrust(values.trust);
  let signed: ReturnType<typeof readSignedManifest>;
  try {
    signed = readSignedManifest(dir);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const zip = values.zip ?? join(dir, "code.zip");
  if (!existsSync(zip)) throw new CliError(`${zip}: not found (pass --zip)`);
  const manifest = signed.manifest as { name?: unknown; providers?: unknown };
  const providers = Array.isArray(manifest.providers) ? manifest.providers.filter((p): p is string => typeof p === "string") : [];
  const name = String(manifest.name ?? "worker");
  const url = values.url;
  const evidence: WorkerEvidence = {
    deployedConfiguration: () => new FileCodeHash(zip).configuration(),
    ...(url
      ? { describe: () => new GrpcWebPluginClient({ name, baseUrl: url, maxRetries: 0, ...(sign ? { sign } : {}) }).describe() }
      : {}),
  };
  const verdict = await verifyWorker({ name, providers, signed }, trust, evidence).catch((error: unknown) => {
    throw new CliError(`could not check the worker: ${(error as Error).message}`);
  });
  if (verdict.status === "verified") {
    const m = verdict.manifest;
    process.stdout.write(
      `verified ${m.name} ${m.version}: signed by ${m.publisherKeyId}, code ${m.codeSha256}` +
        `${values.url ? ", Describe agrees" : " (Describe not checked: pass --url)"}\n`,
    );
    return 0;
  }
  process.stdout.write(`REFUSED ${verdict.status === "refused" ? `${verdict.reason}: ${verdict.detail}` : verdict.detail}\n`);
  return 1;
}

function readTrust(files: readonly string[]): TrustStore {
  const entries = files.flatMap((file) => {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(file, "utf8"));
    } catch {
      throw new CliError(`${file}: cannot read it as JSON`);
    }
    return Array.isArray(value) ? value : [value];
  });
  try {
    return parseTrustedKeys(JSON.stringify(entries), "--trust");
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

function print(text: string): number {
  process.stdout.write(text);
  return 0;
}
