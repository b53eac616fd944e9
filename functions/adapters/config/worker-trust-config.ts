// The trust part of the functions' configuration: trusted publisher keys (CREDVEND_TRUSTED_KEYS)
// and, per worker registration, its signed manifest and where its deployed code is found.
import { TrustStore, TrustStoreError, type TrustedKeyConfig } from "../../core/plugin-trust/trust-store.js";
import type { SignedManifest } from "../../core/plugin-trust/sign-manifest.js";
import { ConfigError } from "../../../plugin-workers/sdk/env.js";

export interface WorkerTrustFields {
  /** manifest.json (parsed) and manifest.sig (base64) as `plugin sign` wrote them. */
  readonly signed?: SignedManifest;
  /** Run this worker without a manifest: a warning and an audit event at every cold start. */
  readonly allowUnsigned?: boolean;
  /** On AWS: the worker's Lambda (name or ARN), whose CodeSha256 must be the signed one. */
  readonly functionName?: string;
  /** Locally: the zip the worker was started from. */
  readonly codeZip?: string;
}

export function parseWorkerTrustFields(entry: Readonly<Record<string, unknown>>, where: string): WorkerTrustFields {
  const { manifest, signature, allowUnsigned, functionName, codeZip } = entry;
  if (allowUnsigned !== undefined && typeof allowUnsigned !== "boolean")
    throw new ConfigError(`${where}.allowUnsigned: must be true or false`);
  if ((manifest === undefined) !== (signature === undefined))
    throw new ConfigError(`${where}: "manifest" and "signature" come together (manifest.json and manifest.sig)`);
  if (manifest !== undefined && (typeof manifest !== "object" || manifest === null || Array.isArray(manifest)))
    throw new ConfigError(`${where}.manifest: must be the JSON object of manifest.json`);
  if (signature !== undefined && typeof signature !== "string")
    throw new ConfigError(`${where}.signature: must be the base64 text of manifest.sig`);
  for (const [field, value] of [
    ["functionName", functionName],
    ["codeZip", codeZip],
  ] as const) {
    if (value !== undefined && (typeof value !== "string" || value === ""))
      throw new ConfigError(`${where}.${field}: must be a non-empty string`);
  }
  if (manifest !== undefined && functionName === undefined && codeZip === undefined)
    throw new ConfigError(`${where}: a signed worker needs "functionName" (AWS) or "codeZip" (local) to check its deployed code`);
  return {
    ...(manifest !== undefined ? { signed: { manifest, signature: signature as string } } : {}),
    ...(allowUnsigned !== undefined ? { allowUnsigned } : {}),
    ...(typeof functionName === "string" ? { functionName } : {}),
    ...(typeof codeZip === "string" ? { codeZip } : {}),
  };
}

/** CREDVEND_TRUSTED_KEYS: a JSON array of publisher.pub.json contents. */
export function parseTrustedKeys(text: string, where = "CREDVEND_TRUSTED_KEYS"): TrustStore {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(`${where}: not valid JSON`);
  }
  if (
    !Array.isArray(value) ||
    value.some((k) => typeof k !== "object" || k === null || typeof k.keyId !== "string" || typeof k.publicKey !== "string")
  )
    throw new ConfigError(`${where}: must be a JSON array of {"keyId","publicKey"} (publisher.pub.json)`);
  try {
    return TrustStore.fromConfig(value as TrustedKeyConfig[], where);
  } catch (error) {
    if (error instanceof TrustStoreError) throw new ConfigError(error.message);
    throw error;
  }
}

/** A registration in the form CREDVEND_WORKERS takes (manifest and signature as separate fields). */
export function registrationToConfig(
  worker: { name: string; url: string; providers: readonly string[] } & WorkerTrustFields,
): Record<string, unknown> {
  const { signed, ...rest } = worker;
  return { ...rest, ...(signed ? { manifest: signed.manifest, signature: signed.signature } : {}) };
}
