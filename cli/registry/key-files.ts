// Public key files as `credvend keys generate` writes them (publisher.pub.json: {"keyId","publicKey"}),
// or JSON arrays of them; each checked (the id must be the key's) before it is trusted.
import { readFileSync } from "node:fs";
import { TrustStore, TrustStoreError, type TrustedKeyConfig } from "../../functions/core/plugin-trust/trust-store.js";
import { CliError } from "../cli-error.js";

export function readKeyFiles(files: readonly string[], option: string): TrustedKeyConfig[] {
  return files.flatMap((file) => {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(file, "utf8"));
    } catch {
      throw new CliError(`${option} ${file}: cannot read it as JSON`);
    }
    const entries = (Array.isArray(value) ? value : [value]) as TrustedKeyConfig[];
    try {
      TrustStore.fromConfig(entries, `${option} ${file}`);
    } catch (error) {
      if (error instanceof TrustStoreError) throw new CliError(error.message);
      throw new CliError(`${option} ${file}: not a public key file ({"keyId","publicKey"})`);
    }
    return entries.map(({ keyId, publicKey }) => ({ keyId, publicKey }));
  });
}
