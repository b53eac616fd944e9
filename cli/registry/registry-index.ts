// The registry index (format 2): every plugin version a registry offers, signed as a whole by the
// registry's Ed25519 key, so a mirror can neither add, drop nor swap an entry — and, with a
// `serial` that only grows and an `expiresAt`, neither serve an older index (rollback) nor the
// same one forever (freeze): readers remember the highest serial (registry-freshness.ts).
// Documented in plugin-workers/README.md ("Registry index format").
//
//   index.json = { "index": { format, formatVersion, registryKeyId, serial, expiresAt, updatedAt, plugins }, "signature" }
//
// Format 1 (no serial, no expiry) is refused by readers: nothing in it says how old it is. Only
// `registry build` reads it, to extend it into format 2.
//
// The signature covers the canonical bytes (canonical-json.ts, RFC 8785) of `index`. Each version
// carries its publisher's signed manifest and signature unchanged; the fields beside it repeat what
// the manifest says (for search) and must agree with it.
import { createHash } from "node:crypto";
import { keyIdOf, signBytes, verifyBytes, type Ed25519KeyPair } from "../../functions/core/plugin-trust/ed25519.js";
import { parseManifest, type PluginManifest } from "../../functions/core/plugin-trust/manifest.js";
import { decodeBase64, type TrustedKeyConfig } from "../../functions/core/plugin-trust/trust-store.js";
import { manifestProtocolVersion } from "../../functions/core/plugin-trust/manifest.js";
import { compareSemver } from "../../functions/core/plugin-trust/semver.js";
import type { Capability } from "../../plugin-protocol/types.js";
import { canonicalJsonBytes } from "./canonical-json.js";

export const INDEX_FORMAT = "credvend-registry-index";
export const INDEX_FORMAT_VERSION = 2;
/** The format before serial and expiry: `registry build` extends it, nothing else reads it. */
const LEGACY_FORMAT_VERSION = 1;
export const INDEX_FILE = "index.json";

export interface RegistryVersion {
  readonly protocolVersion: string;
  readonly providers: readonly string[];
  readonly capabilities: readonly Capability[];
  /** An https URL, or a path relative to the index (no `..`). */
  readonly artifact: string;
  /** Base64 SHA-256 of the artifact, as the manifest's codeSha256. */
  readonly codeSha256: string;
  readonly manifest: PluginManifest;
  /** The publisher's signature over the manifest (base64). */
  readonly signature: string;
  readonly publisherKeyId: string;
  /** The publisher's public key (base64): lets anyone check the signature; trust comes from the operator's keys only. */
  readonly publisherKey: string;
  readonly publishedAt: string;
}

export interface RegistryIndex {
  readonly format: typeof INDEX_FORMAT;
  readonly formatVersion: typeof INDEX_FORMAT_VERSION;
  readonly registryKeyId: string;
  /** Grows by one with every build; a reader refuses an index below the highest it accepted. */
  readonly serial: number;
  /** ISO 8601 UTC: after it, readers refuse the index (a frozen mirror). */
  readonly expiresAt: string;
  readonly updatedAt: string;
  /** By plugin name, then by version. */
  readonly plugins: Readonly<Record<string, { readonly versions: Readonly<Record<string, RegistryVersion>> }>>;
}

export interface SignedRegistryIndex {
  readonly index: RegistryIndex;
  readonly signature: string;
}

export class RegistryIndexError extends Error {
  override readonly name = "RegistryIndexError";
}

export async function signRegistryIndex(index: RegistryIndex, key: Ed25519KeyPair): Promise<SignedRegistryIndex> {
  const signed = { ...index, registryKeyId: key.keyId };
  const signature = await signBytes(key.privateKey, canonicalJsonBytes(signed));
  return { index: signed, signature: Buffer.from(signature).toString("base64") };
}

/**
 * Checks the signature by the registry key first (nothing of an unsigned index is believed), then
 * every field. The error says which.
 */
export async function verifyRegistryIndex(
  document: unknown,
  registryKey: TrustedKeyConfig,
  options: { readonly acceptFormat1?: boolean } = {},
): Promise<RegistryIndex> {
  const envelope = document as { index?: unknown; signature?: unknown } | null;
  if (typeof envelope !== "object" || envelope === null || typeof envelope.index !== "object" || typeof envelope.signature !== "string")
    throw new RegistryIndexError('the index is not {"index": {...}, "signature": "..."}');
  const keyId = (envelope.index as { registryKeyId?: unknown } | null)?.registryKeyId;
  if (keyId !== registryKey.keyId)
    throw new RegistryIndexError(`the index is signed by key ${String(keyId)}, not by the registry key ${registryKey.keyId} you trust`);
  const publicKey = decodeBase64(registryKey.publicKey);
  const signature = decodeBase64(envelope.signature);
  if (!publicKey || !signature || !(await verifyBytes(publicKey, canonicalJsonBytes(envelope.index), signature)))
    throw new RegistryIndexError(
      `the index signature does not verify with registry key ${registryKey.keyId}: it was altered or not signed by that key`,
    );
  return parseIndex(envelope.index, options.acceptFormat1 === true);
}

/** The signed index's SHA-256 (base64) over its canonical bytes: two indexes with one serial must have one hash. */
export function indexSha256(index: RegistryIndex): string {
  return createHash("sha256").update(canonicalJsonBytes(index)).digest("base64");
}

function parseIndex(value: unknown, acceptFormat1: boolean): RegistryIndex {
  const index = value as Record<string, unknown>;
  if (index.format !== INDEX_FORMAT) throw new RegistryIndexError(`index.format: must be "${INDEX_FORMAT}"`);
  if (index.formatVersion === LEGACY_FORMAT_VERSION && !acceptFormat1)
    throw new RegistryIndexError(
      "index.formatVersion: 1 has no serial and no expiry, so nothing shows it is not an old index served again (rollback) or forever (freeze); " +
        "the registry's operator must run `credvend registry build` again (with this credvend, it signs format 2)",
    );
  if (index.formatVersion !== INDEX_FORMAT_VERSION && index.formatVersion !== LEGACY_FORMAT_VERSION)
    throw new RegistryIndexError(
      `index.formatVersion: ${String(index.formatVersion)} is not supported (this credvend reads ${INDEX_FORMAT_VERSION})`,
    );
  if (index.formatVersion === INDEX_FORMAT_VERSION) {
    if (!Number.isSafeInteger(index.serial) || (index.serial as number) < 1)
      throw new RegistryIndexError("index.serial: must be a whole number from 1");
    if (typeof index.expiresAt !== "string" || !ISO_UTC.test(index.expiresAt) || Number.isNaN(Date.parse(index.expiresAt)))
      throw new RegistryIndexError("index.expiresAt: must be an ISO 8601 UTC time");
  }
  const plugins = index.plugins as Record<string, { versions?: Record<string, unknown> }> | undefined;
  if (typeof plugins !== "object" || plugins === null) throw new RegistryIndexError("index.plugins: must be an object");
  for (const [name, plugin] of Object.entries(plugins)) {
    if (typeof plugin?.versions !== "object" || plugin.versions === null)
      throw new RegistryIndexError(`index.plugins.${name}.versions: must be an object`);
    for (const [version, entry] of Object.entries(plugin.versions))
      checkVersion(entry, name, version, `index.plugins.${name}.versions.${version}`);
  }
  // Format 1, read only to be extended: serial 0, so the next build signs serial 1.
  return (index.formatVersion === LEGACY_FORMAT_VERSION ? { ...index, serial: 0, expiresAt: "" } : index) as unknown as RegistryIndex;
}

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

function checkVersion(value: unknown, name: string, version: string, field: string): void {
  const entry = value as Record<string, unknown>;
  let manifest: PluginManifest;
  try {
    manifest = parseManifest(entry.manifest);
  } catch (error) {
    throw new RegistryIndexError(`${field}.manifest: ${(error as Error).message}`);
  }
  const disagree = (what: string) => new RegistryIndexError(`${field}.${what}: does not agree with the signed manifest`);
  if (manifest.name !== name || manifest.version !== version) throw disagree("manifest name or version");
  if (entry.protocolVersion !== manifestProtocolVersion(manifest)) throw disagree("protocolVersion");
  if (entry.codeSha256 !== manifest.codeSha256) throw disagree("codeSha256");
  if (entry.publisherKeyId !== manifest.publisherKeyId) throw disagree("publisherKeyId");
  if (!sameList(entry.providers, manifest.providers)) throw disagree("providers");
  if (!sameList(entry.capabilities, manifest.capabilities)) throw disagree("capabilities");
  if (typeof entry.signature !== "string" || !decodeBase64(entry.signature))
    throw new RegistryIndexError(`${field}.signature: must be base64`);
  const publisherKey = (typeof entry.publisherKey === "string" ? decodeBase64(entry.publisherKey) : undefined) ?? new Uint8Array();
  if (publisherKey.length !== 32 || keyIdOf(publisherKey) !== manifest.publisherKeyId)
    throw new RegistryIndexError(`${field}.publisherKey: must be the base64 public key whose id is ${manifest.publisherKeyId}`);
  if (typeof entry.artifact !== "string" || !isArtifactLocation(entry.artifact))
    throw new RegistryIndexError(`${field}.artifact: must be an https URL or a relative path without ".."`);
}

/** https, or a relative path that stays inside the registry. */
export function isArtifactLocation(location: string): boolean {
  if (/^https:\/\/[^\s]+$/.test(location)) return true;
  return /^[\w.-]+(?:\/[\w.-]+)*$/.test(location) && !location.split("/").includes("..");
}

function sameList(value: unknown, expected: readonly string[]): boolean {
  return Array.isArray(value) && value.length === expected.length && [...value].sort().every((item, i) => item === [...expected].sort()[i]);
}

/** Versions newest first, by semver precedence (0.10.0 after 0.9.1, 1.0.0 after 1.0.0-rc.1). */
export function newestFirst(versions: readonly string[]): string[] {
  return [...versions].sort((a, b) => compareSemver(b, a));
}
