// Publisher key files: 0600 on disk, refused when others can read them, reused by the local stack.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KeyFileError, generateKeyFiles, loadOrCreateKeyFiles, readPrivateKeyFile } from "../../cli/publisher-key-files.js";
import { TrustStore } from "../../functions/core/plugin-trust/index.js";

describe("publisher key files", () => {
  it("reads back the pair it wrote, and the public file is a trust-store entry", async () => {
    const dir = mkdtempSync(join(tmpdir(), "credvend-keyfiles-"));
    const { pair, privatePath, publicPath } = await generateKeyFiles(dir);
    const read = await readPrivateKeyFile(privatePath);
    expect(read.keyId).toBe(pair.keyId);
    expect(Buffer.from(read.publicKey).equals(Buffer.from(pair.publicKey))).toBe(true);
    expect(TrustStore.fromConfig([JSON.parse(readFileSync(publicPath, "utf8"))]).keyIds()).toEqual([pair.keyId]);
    expect((await loadOrCreateKeyFiles(dir)).keyId).toBe(pair.keyId);
  });

  it("refuses a private key that group or others can read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "credvend-keyfiles-"));
    const { privatePath } = await generateKeyFiles(dir);
    chmodSync(privatePath, 0o644);
    await expect(readPrivateKeyFile(privatePath)).rejects.toThrow(/readable by group or others; run chmod 600/);
  });

  it("refuses a file that is not a credvend key, without echoing its content", async () => {
    const dir = mkdtempSync(join(tmpdir(), "credvend-keyfiles-"));
    const path = join(dir, "publisher.key");
    writeFileSync(path, '{"type":"ssh","privateKey":"c2VjcmV0LXZhbHVl"}', { mode: 0o600 });
    const error = await readPrivateKeyFile(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KeyFileError);
    expect((error as Error).message).toBe(`${path}: not a credvend private key file`);
    await expect(readPrivateKeyFile(join(dir, "missing.key"))).rejects.toThrow(/cannot read the key \(ENOENT\)/);
  });
});
