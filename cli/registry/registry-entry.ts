// The steps install and upgrade share, each a check before any write: which version, whether this
// credvend speaks its protocol and trusts its publisher, that it clashes with no other worker, and
// that the artifact's bytes are the signed code; then the one write of its folder.
import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { codeSha256Of } from "../../functions/adapters/plugins/file-code-hash.js";
import { checkManifestSignature, type PluginManifest, type TrustStore } from "../../functions/core/plugin-trust/index.js";
import { isSemver } from "../../functions/core/plugin-trust/semver.js";
import type { TrustedKeyConfig } from "../../functions/core/plugin-trust/trust-store.js";
import { protocolCompatibility } from "../../plugin-protocol/protocol-version.js";
import { CliError } from "../cli-error.js";
import { MANIFEST_FILE, SIGNATURE_FILE } from "../signed-manifest-files.js";
import type { ProjectFiles } from "./project-files.js";
import { newestFirst, type RegistryIndex, type RegistryVersion } from "./registry-index.js";
import type { RegistrySource } from "./registry-source.js";

/** The workers `npm start` always runs: an installed worker may take neither their names nor their providers. */
const LOCAL_STACK_WORKERS = [
  { name: "local-tokens", providers: ["local"] },
  { name: "aws-sts", providers: ["aws"] },
  { name: "github", providers: ["github"] },
];

/** `name` or `name@version`; the version, when given, must be semver (it becomes a folder name). */
export function parsePluginArgument(argument: string): { name: string; version?: string } {
  const at = argument.indexOf("@");
  const name = at < 0 ? argument : argument.slice(0, at);
  const version = at < 0 ? undefined : argument.slice(at + 1);
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(name)) throw new CliError(`"${name}": a plugin name is lower-case letters, digits and dashes`, 2);
  if (version !== undefined && !isSemver(version))
    throw new CliError(`"${version}": a plugin version is semver MAJOR.MINOR.PATCH[-pre], e.g. 0.1.0`, 2);
  return version === undefined ? { name } : { name, version };
}

/** The wanted version's entry, or the newest; an error lists what the registry has. */
export function findEntry(
  index: RegistryIndex,
  source: RegistrySource,
  name: string,
  wanted: string | undefined,
): { version: string; entry: RegistryVersion; newest: string } {
  const versions = Object.hasOwn(index.plugins, name) ? index.plugins[name]!.versions : undefined;
  if (!versions || Object.keys(versions).length === 0)
    throw new CliError(`registry ${source.location} has no plugin "${name}" (credvend plugin search)`);
  const ordered = newestFirst(Object.keys(versions));
  const version = wanted ?? ordered[0]!;
  if (!Object.hasOwn(versions, version))
    throw new CliError(`registry ${source.location} has no ${name}@${version} (versions: ${ordered.join(", ")})`);
  return { version, entry: versions[version]!, newest: ordered[0]! };
}

/** Protocol and publisher signature (by a key the operator trusts); returns the checked manifest. */
export async function checkEntry(name: string, version: string, entry: RegistryVersion, trust: TrustStore): Promise<PluginManifest> {
  const compatibility = protocolCompatibility(entry.protocolVersion);
  if (!compatibility.compatible) throw new CliError(`${name}@${version} ${compatibility.detail}: it cannot be installed`);
  const checked = await checkManifestSignature({ manifest: entry.manifest, signature: entry.signature }, trust);
  if (!checked.ok)
    throw new CliError(
      checked.reason === "unknown_key"
        ? `${name}@${version} is published by key ${entry.publisherKeyId}, which you do not trust (pass its publisher.pub.json with --trust after checking it with the publisher)`
        : `${name}@${version}: the publisher's signature is not valid (${checked.reason}: ${checked.detail})`,
    );
  return checked.manifest;
}

/** No other worker (installed, configured, or the local stack's) has its name or a provider of it. */
export function checkNoClash(name: string, providers: readonly string[], project: ProjectFiles, replacing?: string): void {
  const installed = project
    .installed()
    .plugins.filter((p) => p.name !== replacing)
    .map((p) => ({ name: p.name, providers: p.providers, where: `installed ${p.name} ${p.version}` }));
  const configured = project
    .configuredWorkers()
    .filter((w) => w.name !== replacing)
    .map((w) => ({ ...w, where: `worker ${w.name} of the deployment config` }));
  const builtIn = LOCAL_STACK_WORKERS.map((w) => ({ ...w, where: `the local stack's ${w.name} worker` }));
  for (const other of [...installed, ...configured, ...builtIn]) {
    if (other.name === name)
      throw new CliError(
        `${name} clashes with ${other.where} (same name)${other.where.startsWith("installed") ? ": remove it first, or credvend plugin upgrade it" : ""}`,
      );
    const shared = providers.filter((p) => other.providers.includes(p));
    if (shared.length > 0) throw new CliError(`${name} serves provider ${shared.join(", ")}, which ${other.where} already serves`);
  }
}

/** The artifact's bytes, refused unless their SHA-256 is the signed codeSha256. */
export async function fetchArtifact(
  source: RegistrySource,
  name: string,
  version: string,
  entry: RegistryVersion,
  manifest: PluginManifest,
) {
  const zip = await source.readArtifact(entry.artifact).catch((error: unknown) => {
    throw new CliError((error as Error).message);
  });
  const sha256 = codeSha256Of(zip);
  if (sha256 !== manifest.codeSha256)
    throw new CliError(`${name}@${version}: the artifact's SHA-256 is ${sha256}, not the signed ${manifest.codeSha256}; refusing it`);
  return { zip, sha256 };
}

export function trustedKeyOf(trust: TrustStore, keyId: string): TrustedKeyConfig {
  return { keyId, publicKey: Buffer.from(trust.get(keyId)!.publicKey).toString("base64") };
}

/**
 * Writes the worker's folder through a temporary sibling and one rename, so it is whole or absent.
 * Returns the outermost folder it created (what undoing it removes).
 */
export function writePluginDir(target: string, zip: Uint8Array, entry: RegistryVersion): string {
  const created = mkdirSync(dirname(target), { recursive: true });
  const temporary = join(dirname(target), `.${randomBytes(6).toString("hex")}.tmp`);
  mkdirSync(temporary);
  try {
    writeFileSync(join(temporary, "code.zip"), zip);
    writeFileSync(join(temporary, MANIFEST_FILE), `${JSON.stringify(entry.manifest, null, 2)}\n`);
    writeFileSync(join(temporary, SIGNATURE_FILE), `${entry.signature}\n`);
    renameSync(temporary, target);
    return created ?? target;
  } catch (error) {
    rmSync(created ?? temporary, { recursive: true, force: true });
    throw new CliError(`cannot write ${target}: ${(error as Error).message}`);
  }
}
