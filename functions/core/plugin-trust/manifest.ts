// The signed manifest of a plugin worker and its canonical bytes (what the signature covers).
//
// Canonical form: the fields below (eleven, twelve with protocolVersion) as one JSON object with the keys in ascending code-point
// order, `providers`, `capabilities` and `environment` sorted ascending and without duplicates, no whitespace,
// strings escaped as JSON.stringify does, encoded as UTF-8. With only strings and arrays of
// strings this is exactly RFC 8785 (JCS), so the signature does not depend on how manifest.json
// is indented or ordered, and any other language can rebuild the bytes. A manifest signed before
// protocol versions has no protocolVersion (so its bytes, and its signature, are unchanged): it is
// read as 1.0.
import type { Capability, WorkerDescription } from "../../../plugin-protocol/types.js";

import { BASELINE_PROTOCOL_VERSION, majorOfProtocol, parseProtocolVersion } from "../../../plugin-protocol/protocol-version.js";
import { isSemver } from "./semver.js";
import { isForbiddenEnvironmentName } from "./worker-configuration.js";

export const CAPABILITIES: readonly Capability[] = ["validate", "analyze", "serialize", "prepare", "vend", "revoke"];

/** What `Describe` answers, bound to the deployed code, how Lambda runs it, and the publisher's key. */
export interface PluginManifest extends WorkerDescription {
  /** Base64 of the SHA-256 of the deployment zip: Lambda's `CodeSha256` format. */
  readonly codeSha256: string;
  /** The Lambda handler the code runs with, e.g. `index.handler`. */
  readonly handler: string;
  /** Lambda runtime: exact (`nodejs24.x`) or a family (`nodejs`: any `nodejsNN.x`). */
  readonly runtime: string;
  /** Allowlist of the environment variable NAMES the worker may be deployed with (values are not signed). */
  readonly environment: readonly string[];
  readonly publisherKeyId: string;
  /** ISO 8601. */
  readonly signedAt: string;
}

export class ManifestError extends Error {
  override readonly name = "ManifestError";
}

const FIELDS = [
  "capabilities",
  "codeSha256",
  "environment",
  "handler",
  "name",
  "protocol",
  "protocolVersion",
  "providers",
  "publisherKeyId",
  "runtime",
  "signedAt",
  "version",
] as const;
const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const PROVIDER = /^[a-z][a-z0-9-]{0,31}$/;
const SHA256_BASE64 = /^[A-Za-z0-9+/]{43}=$/;
const KEY_ID = /^[0-9a-f]{16}$/;
/** Lambda's handler syntax: a module path, a dot, an export name. */
export const HANDLER = /^[\w./-]{1,100}\.[A-Za-z_$][\w$]{0,27}$/;
/** A runtime family (`nodejs`) or an exact Lambda runtime (`nodejs24.x`, `python3.13`, `provided.al2023`). */
export const RUNTIME = /^[a-z]{1,16}(?:[0-9][a-z0-9.]{0,15}|\.[a-z0-9.]{1,15})?$/;
/** Lambda's environment variable key syntax. */
const ENVIRONMENT_NAME = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;
const CONFIGURATION_FIELDS = ["handler", "runtime", "environment"];

/** Checks every field of an untrusted value; the error names the field. */
export function parseManifest(value: unknown): PluginManifest {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ManifestError("manifest: must be a JSON object");
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !(FIELDS as readonly string[]).includes(key));
  if (unknown.length > 0) throw new ManifestError(`manifest: unknown field ${unknown.map((k) => `"${k}"`).join(", ")}`);
  if (CONFIGURATION_FIELDS.every((field) => !(field in record)))
    throw new ManifestError(
      "manifest: no handler, runtime or environment: it was signed before workers were bound to their configuration; sign the worker again",
    );
  const manifest: PluginManifest = {
    name: text(record, "name", NAME, "lower-case letters, digits and dashes"),
    version: versionOf(record),
    // Any major parses, so that a worker of another major is refused for its version, by name.
    protocol: text(record, "protocol", /^credvend\.plugin\.v[1-9]\d{0,3}$/, '"credvend.plugin.v<major>"'),
    ...protocolVersionOf(record),
    providers: list(record, "providers", (p) => PROVIDER.test(p), "provider names"),
    capabilities: list(
      record,
      "capabilities",
      (c) => (CAPABILITIES as readonly string[]).includes(c),
      CAPABILITIES.join(", "),
    ) as Capability[],
    codeSha256: text(record, "codeSha256", SHA256_BASE64, "base64 of a SHA-256 (44 characters)"),
    handler: text(record, "handler", HANDLER, "a Lambda handler such as index.handler"),
    runtime: text(record, "runtime", RUNTIME, "a Lambda runtime such as nodejs24.x, or a family such as nodejs"),
    environment: environmentNames(record.environment, "manifest.environment"),
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
    environment: sortedUnique(manifest.environment),
    handler: manifest.handler,
    name: manifest.name,
    protocol: manifest.protocol,
    ...(manifest.protocolVersion === undefined ? {} : { protocolVersion: manifest.protocolVersion }),
    providers: sortedUnique(manifest.providers),
    publisherKeyId: manifest.publisherKeyId,
    runtime: manifest.runtime,
    signedAt: manifest.signedAt,
    version: manifest.version,
  };
  return new TextEncoder().encode(JSON.stringify(normalized, FIELDS as unknown as string[]));
}

/** The version a manifest speaks: its protocolVersion, or 1.0 when it was signed before versions. */
export function manifestProtocolVersion(manifest: Pick<PluginManifest, "protocolVersion">): string {
  return manifest.protocolVersion ?? BASELINE_PROTOCOL_VERSION;
}

/** `major.minor`, its major the one `protocol` names; absent only in manifests signed before versions. */
function protocolVersionOf(record: Record<string, unknown>): { protocolVersion?: string } {
  if (record.protocolVersion === undefined) return {};
  const value = record.protocolVersion;
  const version = typeof value === "string" ? parseProtocolVersion(value) : undefined;
  if (!version) throw new ManifestError('manifest.protocolVersion: must be "major.minor", e.g. "1.1"');
  if (version.major !== majorOfProtocol(String(record.protocol)))
    throw new ManifestError(`manifest.protocolVersion: major ${version.major} is not the major of protocol "${String(record.protocol)}"`);
  return { protocolVersion: value as string };
}

/**
 * An allowlist of environment variable names: possibly empty, each a Lambda key, none of the
 * FORBIDDEN_ENVIRONMENT (refused even in a signed manifest). Shared with plugin.json's check.
 */
export function environmentNames(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string"))
    throw new ManifestError(`${field}: must be an array of environment variable names (letters, digits and _), [] for none`);
  // Before the syntax check, so _JAVA_OPTIONS is refused for what it does, not for its underscore.
  const forbidden = (value as string[]).filter(isForbiddenEnvironmentName);
  if (forbidden.length > 0)
    throw new ManifestError(
      `${field}: ${forbidden.join(", ")} is never allowed (it makes the runtime load code the signature does not cover, or changes its TLS trust or proxy)`,
    );
  if (value.some((item) => !ENVIRONMENT_NAME.test(item)))
    throw new ManifestError(`${field}: must be an array of environment variable names (letters, digits and _), [] for none`);
  return sortedUnique(value as string[]);
}

function sortedUnique(values: readonly string[]): string[] {
  // Code-point order, as JCS sorts; localeCompare would depend on the locale.
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Semver only: the version becomes a folder name at install (plugins/<name>/<version>/). */
function versionOf(record: Record<string, unknown>): string {
  const value = record.version;
  if (!isSemver(value))
    throw new ManifestError(
      `manifest.version: must be a semver version MAJOR.MINOR.PATCH[-pre] such as 1.2.3 or 1.2.3-rc.1 (got ${JSON.stringify(String(value).slice(0, 80))})`,
    );
  return value;
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
