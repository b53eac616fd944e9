// The deployed code of a worker run locally: the zip it was started from, hashed like Lambda does
// (base64 SHA-256 of the file). Re-read at every check, so a rebuilt zip shows.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";

export class FileCodeHash {
  constructor(private readonly path: string) {}

  async codeSha256(): Promise<string> {
    return codeSha256Of(await readFile(this.path));
  }
}

export function codeSha256Of(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64");
}
