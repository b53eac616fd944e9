// What this project has accepted from each registry, so a mirror cannot roll it back or freeze it:
// credvend.registries.json, committed beside credvend.plugins.json, keyed by the registry's key id
// (every mirror of one registry shares its serial: a mirror behind the origin is a rollback).
//   { "version": 1, "registries": { "<keyId>": { serial, expiresAt, indexSha256, location, acceptedAt } } }
// Checked by every reader (search, install, upgrade); advanced by the commands that write the
// project anyway (install, upgrade), so search stays read-only.
import { existsSync, readFileSync } from "node:fs";
import type { RegistryIndex } from "./registry-index.js";

export const REGISTRIES_FILE = "credvend.registries.json";

export interface AcceptedIndex {
  readonly serial: number;
  readonly expiresAt: string;
  /** indexSha256 of the accepted index: another index with the same serial is equivocation. */
  readonly indexSha256: string;
  /** Where it was read from (the last time), for messages. */
  readonly location: string;
  readonly acceptedAt: string;
}

export interface AcceptedRegistries {
  readonly version: 1;
  readonly registries: Readonly<Record<string, AcceptedIndex>>;
}

export class RegistryFreshnessError extends Error {
  override readonly name = "RegistryFreshnessError";
}

/** Empty when the file does not exist; an unreadable file is an error, never silently empty (that would reset every serial). */
export function readAcceptedRegistries(path: string): AcceptedRegistries {
  if (!existsSync(path)) return { version: 1, registries: {} };
  let value: { version?: unknown; registries?: unknown };
  try {
    value = JSON.parse(readFileSync(path, "utf8")) as typeof value;
  } catch {
    throw new RegistryFreshnessError(`${path}: not valid JSON (restore it from git: it holds the registry serials this project accepted)`);
  }
  if (value.version !== 1 || typeof value.registries !== "object" || value.registries === null || Array.isArray(value.registries))
    throw new RegistryFreshnessError(`${path}: not a credvend registries file ({"version":1,"registries":{...}})`);
  for (const [keyId, entry] of Object.entries(value.registries as Record<string, Partial<AcceptedIndex>>))
    if (!Number.isSafeInteger(entry?.serial) || typeof entry?.indexSha256 !== "string")
      throw new RegistryFreshnessError(`${path}: registries.${keyId}: needs a whole-number serial and an indexSha256`);
  return value as AcceptedRegistries;
}

/**
 * Refuses an expired index (freeze), an index older than the one accepted before (rollback), and
 * a different index under an accepted serial (the registry key signed two histories).
 */
export function checkFreshness(
  index: RegistryIndex,
  sha256: string,
  accepted: AcceptedRegistries,
  location: string,
  now: Date,
  recordFile: string,
): void {
  if (Date.parse(index.expiresAt) <= now.getTime())
    throw new RegistryFreshnessError(
      `registry ${location}: the index (serial ${index.serial}) expired at ${index.expiresAt} (now ${now.toISOString()}): ` +
        "a mirror may be serving a frozen copy; ask the registry's operator to run `credvend registry build` again",
    );
  const seen = accepted.registries[index.registryKeyId];
  if (!seen) return;
  if (index.serial < seen.serial)
    throw new RegistryFreshnessError(
      `registry ${location}: the index has serial ${index.serial}, older than serial ${seen.serial} this project accepted on ${seen.acceptedAt} ` +
        `(from ${seen.location}, recorded in ${recordFile}): refusing a rolled-back index; use an up-to-date mirror`,
    );
  if (index.serial === seen.serial && sha256 !== seen.indexSha256)
    throw new RegistryFreshnessError(
      `registry ${location}: the index has serial ${index.serial}, which this project accepted with other content (${recordFile}): ` +
        "the registry key signed two different indexes with one serial; tell the registry's operator",
    );
}

/** The record after accepting `index`: never lowers a serial. */
export function acceptIndex(
  accepted: AcceptedRegistries,
  index: RegistryIndex,
  sha256: string,
  location: string,
  now: Date,
): AcceptedRegistries {
  const seen = accepted.registries[index.registryKeyId];
  if (seen && seen.serial > index.serial) return accepted;
  const entry: AcceptedIndex = {
    serial: index.serial,
    expiresAt: index.expiresAt,
    indexSha256: sha256,
    location,
    acceptedAt: now.toISOString(),
  };
  return { version: 1, registries: { ...accepted.registries, [index.registryKeyId]: entry } };
}

export function acceptedRegistriesText(record: AcceptedRegistries): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}
