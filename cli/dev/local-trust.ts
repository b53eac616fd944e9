// The publisher keys the local stack trusts for installed workers: the operator's own — key files
// given with `credvend dev --trust`, and CREDVEND_TRUSTED_KEYS (a JSON array, as the deployed
// function reads it). Never a key read from credvend.plugins.json or anything else beside the
// plugin in the checkout: whoever can change the checkout (a hostile branch) could write those.
import type { TrustedKeyConfig } from "../../functions/core/plugin-trust/trust-store.js";
import { TrustStore, TrustStoreError } from "../../functions/core/plugin-trust/trust-store.js";
import { CliError } from "../cli-error.js";
import { readKeyFiles } from "../registry/key-files.js";

export const TRUSTED_KEYS_ENV = "CREDVEND_TRUSTED_KEYS";

export function localTrustedKeys(files: readonly string[], env: NodeJS.ProcessEnv = process.env): TrustedKeyConfig[] {
  const fromFiles = readKeyFiles(files, "--trust");
  const text = env[TRUSTED_KEYS_ENV];
  if (text === undefined || text.trim() === "") return fromFiles;
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch {
    throw new CliError(`${TRUSTED_KEYS_ENV}: not valid JSON (a JSON array of {"keyId","publicKey"})`, 2);
  }
  if (!Array.isArray(entries)) throw new CliError(`${TRUSTED_KEYS_ENV}: must be a JSON array of {"keyId","publicKey"}`, 2);
  try {
    TrustStore.fromConfig(entries as TrustedKeyConfig[], TRUSTED_KEYS_ENV);
  } catch (error) {
    if (error instanceof TrustStoreError) throw new CliError(error.message, 2);
    throw new CliError(`${TRUSTED_KEYS_ENV}: must be a JSON array of {"keyId","publicKey"}`, 2);
  }
  return [...fromFiles, ...(entries as TrustedKeyConfig[]).map(({ keyId, publicKey }) => ({ keyId, publicKey }))];
}
