// The deployed code of a worker run locally: the zip it was started from, hashed like Lambda does
// (base64 SHA-256 of the file). Re-read at every check, so a rebuilt zip shows. There is no Lambda
// configuration here: the local stack starts the worker itself, so only the code hash is checked.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { DeployedConfiguration } from "../../core/plugin-trust/worker-configuration.js";

export class FileCodeHash {
  constructor(private readonly path: string) {}

  async configuration(): Promise<DeployedConfiguration> {
    return { codeSha256: codeSha256Of(await readFile(this.path)) };
  }
}

export function codeSha256Of(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64");
}
