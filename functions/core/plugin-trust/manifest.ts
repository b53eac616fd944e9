// The signed manifest of a plugin worker and its canonical bytes (what the signature covers).
//
// Canonical form: the eight fields below as one JSON object with the keys in ascending code-point
// order, `providers` and `capabilities` sorted ascending and without duplicates, no whitespace,
// strings escaped as JSON.stringify does, encoded as UTF-8. With only strings and arrays of
// strings this is exactly RFC 8785 (JCS), so the signature does not depend on how manifest.json
// is indented or ordered, and any other language can rebuild the bytes.
import type { Capability, WorkerDescription } from "../../../plugin-protocol/types.js";

import { PLUGIN_PROTOCOL } from "../../../plugin-protocol/protocol-version.js";

export const CAPABILITIES: readonly Capability[] = ["validate", "analyze", "serialize", "prepare", "vend", "revoke"];

/** What `Describe` answers, bound to the deployed code and the publisher's key. */
export interface PluginManifest extends WorkerDescription {
  /** Base64 of the SHA-256 of the deployment zip: Lambda's `CodeSha256` format. */
  readonly codeSha256: string;
  readonly publisherKeyId: string;
  /** ISO 8601. */
  readonly signedAt: string;
}

export class ManifestError extends Error {
  override readonly name = "ManifestError";
}

const FIELDS = ["capabilities", "codeSha256", "name", "protocol", "providers", "publisherKeyId", "signedAt", "version"] as const;
const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const VERSION = /^[\x21-\x7e]{1,64}$/;
const PROVIDER = /^[a-z][a-z0-9-]{0,31}$/;
const SHA256_BASE64 = /^[A-Za-z0-9+/]{43}=$/;
const KEY_ID = /^[0-9a-f]{16}$/;

/** Checks every field of an untrusted value; the error names the field. */
export function parseManifest(value: unknown): PluginManifest {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ManifestError("manifest: must be a JSON object");
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !(FIELDS as readonly string[]).includes(key));
  if (unknown.length > 0) throw new ManifestError(`manifest: unknown field ${unknown.map((k) => `"${k}"`).join(", ")}`);
  const manifest: PluginManifest = {
    name: text(record, "name", NAME, "lower-case letters, digits and dashes"),
    version: text(record, "version", VERSION, "1 to 64 printable characters"),
    protocol: text(record, "protocol", /^credvend\.plugin\.v1$/, `"${PLUGIN_PROTOCOL}"`),
    providers: list(record, "providers", (p) => PROVIDER.test(p), "provider names"),
    capabilities: list(record, "capabilities", (c) => (CAPABILITIES as readonly string[]).includes(c), CAPABILITIES.join(", ")) as Capability[],
    codeSha256: text(record, "codeSha256", SHA256_BASE64, "base64 of a SHA-256 (44 characters)"),
    publisherKeyId: text(record, "publisherKeyId", KEY_ID, "16 hex digits"),
    signedAt: text(record, "signedAt", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, "an ISO 8601 UTC time"),
  };
  return manifest;
}

/** The exact bytes that are signed (see the comment at the top). */
export function canonicalManifestBytes(manifest: PluginManifest): Uint8Array {
  const normalized: Record<string, string | string[]> = {
    capabilities: sortedUnique(manifest.capabilities),
    codeSha256: manifest.codeSha256,
    name: manifest.name,
    protocol: manifest.protocol,
    providers: sortedUnique(manifest.providers),
    publisherKeyId: manifest.publisherKeyId,
    signedAt: manifest.signedAt,
    version: manifest.version,
  };
  return new TextEncoder().encode(JSON.stringify(normalized, FIELDS as unknown as string[]));
}

function sortedUnique(values: readonly string[]): string[] {
  // Code-point order, as JCS sorts; localeCompare would depend on the locale.
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function text(record: Record<string, unknown>, field: string, pattern: RegExp, expected: string): string {
  const value = record[field];
  if (typeof value !== "string" || !pattern.test(value)) throw new ManifestError(`manifest.${field}: must be ${expected}`);
  return value;
}

function list(record: Record<string, unknown>, field: string, ok: (item: string) => boolean, expected: string): string[] {
  const value = record[field];
  if (!Array.isArray(value) || value.length === 0 || value.some((item) => typeof item !== "string" || !ok(item)))
    throw new ManifestError(`manifest.${field}: must be a non-empty array of ${expected}`);
  return sortedUnique(value as string[]);
}
