// `credvend registry build <worker-dir…> --key <registry.key> --out <dir>`: adds signed workers to
// a registry folder (artifacts under plugins/<name>/<version>/) and writes its signed index, with
// the next serial and a new expiry. An existing index is extended, after its own signature is
// checked; a published version is never replaced by other code. With no worker folder it only
// re-signs the index (next serial, new expiry): what a registry does before its index expires.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { codeSha256Of } from "../../functions/adapters/plugins/file-code-hash.js";
import { checkManifestSignature, TrustStore, type PluginManifest } from "../../functions/core/plugin-trust/index.js";
import { manifestProtocolVersion } from "../../functions/core/plugin-trust/manifest.js";
import { CliError } from "../cli-error.js";
import { KeyFileError, publicKeyConfig, readPrivateKeyFile } from "../publisher-key-files.js";
import { MANIFEST_FILE, readSignedManifest, SIGNATURE_FILE } from "../signed-manifest-files.js";
import { readKeyFiles } from "./key-files.js";
import {
  INDEX_FILE,
  INDEX_FORMAT,
  INDEX_FORMAT_VERSION,
  signRegistryIndex,
  verifyRegistryIndex,
  type RegistryIndex,
  type RegistryVersion,
} from "./registry-index.js";

const DEFAULT_EXPIRY_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

export const REGISTRY_BUILD_USAGE = `credvend registry build — publish signed workers into a registry folder

Usage: credvend registry build --key <registry.key> --out <registry-dir> [--publisher FILE…]
                              [--expires-in DAYS] [<worker-dir…>]

Each <worker-dir> is a signed worker (code.zip, manifest.json, manifest.sig: credvend plugin
sign). Its signature must verify with a --publisher key (publisher.pub.json; the registry's own
key counts too), and the zip must be the signed code. Copies each into
<registry-dir>/plugins/<name>/<version>/ and writes <registry-dir>/${INDEX_FILE}: every version with
its protocol version, providers, capabilities, artifact path, codeSha256, the signed manifest
and signature and the publisher's key, signed as a whole with the registry key. An existing
index is extended (its signature is checked first); a version already published with other
code is refused. Every build signs the next serial (the previous index's + 1; readers refuse an
index older than one they accepted) and an expiry (readers refuse an expired index, so a mirror
cannot serve one copy forever): rebuild before it expires — with no <worker-dir> it only re-signs.
Serve the folder as it is (any static https host) or use it as a path.

Options:
  --key FILE        The registry's private key (credvend keys generate --name registry)
  --out DIR         The registry folder (created if missing)
  --expires-in DAYS How long the index is valid: 1 to 365 days (default ${DEFAULT_EXPIRY_DAYS})
  --publisher FILE  A publisher's public key (publisher.pub.json) whose workers may be listed; repeatable
  -h, --help        Show this help
`;

export async function runRegistryBuild(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      key: { type: "string" },
      out: { type: "string" },
      publisher: { type: "string", multiple: true },
      "expires-in": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(REGISTRY_BUILD_USAGE);
    return 0;
  }
  if (!values.key) throw new CliError("--key is required (the registry's private key from `credvend keys generate`)", 2);
  if (!values.out) throw new CliError("--out is required (the registry folder)", 2);
  const expiryDays = values["expires-in"] === undefined ? DEFAULT_EXPIRY_DAYS : Number(values["expires-in"]);
  if (!Number.isInteger(expiryDays) || expiryDays < 1 || expiryDays > 365)
    throw new CliError(`--expires-in ${values["expires-in"]}: must be a whole number of days from 1 to 365`, 2);
  const key = await readPrivateKeyFile(values.key).catch((error: unknown) => {
    throw error instanceof KeyFileError ? new CliError(error.message) : error;
  });
  const registryKey = publicKeyConfig(key);
  const publishers = TrustStore.fromConfig([registryKey, ...readKeyFiles(values.publisher ?? [], "--publisher")]);

  const indexPath = join(values.out, INDEX_FILE);
  const existing = existsSync(indexPath) ? await readExisting(indexPath, registryKey) : undefined;
  if (positionals.length === 0 && !existing)
    throw new CliError(`give at least one signed worker folder (${indexPath} does not exist yet, so there is nothing to re-sign)`, 2);
  const plugins: Record<string, { versions: Record<string, RegistryVersion> }> = structuredClone({ ...(existing?.plugins ?? {}) });
  const copies: { from: string; to: string }[] = [];
  const started = new Date();
  const now = started.toISOString();
  for (const dir of positionals) {
    const { manifest, signature } = await checkedWorker(dir, publishers);
    const artifact = `plugins/${manifest.name}/${manifest.version}/code.zip`;
    const previous = plugins[manifest.name]?.versions[manifest.version];
    if (previous && previous.codeSha256 !== manifest.codeSha256)
      throw new CliError(`${manifest.name} ${manifest.version} is already published with other code; publish a new version`);
    const entry: RegistryVersion = {
      protocolVersion: manifestProtocolVersion(manifest),
      providers: manifest.providers,
      capabilities: manifest.capabilities,
      artifact,
      codeSha256: manifest.codeSha256,
      manifest,
      signature,
      publisherKeyId: manifest.publisherKeyId,
      publisherKey: Buffer.from(publishers.get(manifest.publisherKeyId)!.publicKey).toString("base64"),
      publishedAt: previous?.publishedAt ?? now,
    };
    plugins[manifest.name] ??= { versions: {} };
    plugins[manifest.name]!.versions[manifest.version] = entry;
    copies.push(
      ...[MANIFEST_FILE, SIGNATURE_FILE, "code.zip"].map((file) => ({
        from: join(dir, file),
        to: join(values.out!, join(artifact, "..", file)),
      })),
    );
    process.stdout.write(
      `  ${manifest.name} ${manifest.version} (protocol ${entry.protocolVersion}, publisher ${manifest.publisherKeyId})\n`,
    );
  }
  const index: RegistryIndex = {
    format: INDEX_FORMAT,
    formatVersion: INDEX_FORMAT_VERSION,
    registryKeyId: key.keyId,
    serial: (existing?.serial ?? 0) + 1,
    expiresAt: new Date(started.getTime() + expiryDays * DAY_MS).toISOString(),
    updatedAt: now,
    plugins,
  };
  const signed = await signRegistryIndex(index, key);
  for (const { from, to } of copies) {
    mkdirSync(join(to, ".."), { recursive: true });
    copyFileSync(from, to);
  }
  // The index last, replaced in one rename: a reader sees the old index or the new one.
  const temporary = `${indexPath}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(signed, null, 2)}\n`);
  renameSync(temporary, indexPath);
  process.stdout.write(
    `wrote ${indexPath} (signed by registry key ${key.keyId}, serial ${index.serial}, expires ${index.expiresAt}: rebuild before then)\n`,
  );
  return 0;
}

async function readExisting(path: string, registryKey: { keyId: string; publicKey: string }): Promise<RegistryIndex> {
  try {
    // Format 1 (before serials) is extended into format 2, starting at serial 1.
    return await verifyRegistryIndex(JSON.parse(readFileSync(path, "utf8")), registryKey, { acceptFormat1: true });
  } catch (error) {
    throw new CliError(`${path}: ${(error as Error).message}; refusing to extend it`);
  }
}

async function checkedWorker(dir: string, publishers: TrustStore): Promise<{ manifest: PluginManifest; signature: string }> {
  let signed: ReturnType<typeof readSignedManifest>;
  try {
    signed = readSignedManifest(dir);
  } catch (error) {
    throw new CliError(`${(error as Error).message} (sign the worker first: credvend plugin sign)`);
  }
  const checked = await checkManifestSignature(signed, publishers);
  if (!checked.ok) throw new CliError(`${dir}: ${checked.reason}: ${checked.detail} (pass its publisher's key with --publisher)`);
  let zip: Buffer;
  try {
    zip = readFileSync(join(dir, "code.zip"));
  } catch {
    throw new CliError(`${join(dir, "code.zip")}: not found`);
  }
  if (codeSha256Of(zip) !== checked.manifest.codeSha256) throw new CliError(`${dir}: code.zip is not the signed code (sign it again)`);
  return { manifest: checked.manifest, signature: signed.signature };
}
