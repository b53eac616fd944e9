// The keys `credvend dev` trusts for installed workers: --trust files and CREDVEND_TRUSTED_KEYS,
// each checked (the id must be the key's); a malformed value is a usage error naming it.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { localTrustedKeys } from "../../cli/dev/local-trust.js";
import { generateKeyPair } from "../../functions/core/plugin-trust/index.js";

async function key() {
  const pair = await generateKeyPair();
  return { keyId: pair.keyId, publicKey: Buffer.from(pair.publicKey).toString("base64") };
}

describe("localTrustedKeys", () => {
  it("reads --trust files and CREDVEND_TRUSTED_KEYS, nothing else", async () => {
    const [fromFile, fromEnv] = await Promise.all([key(), key()]);
    const file = join(mkdtempSync(join(tmpdir(), "credvend-trust-")), "publisher.pub.json");
    writeFileSync(file, JSON.stringify(fromFile));
    expect(localTrustedKeys([file], { CREDVEND_TRUSTED_KEYS: JSON.stringify([fromEnv]) })).toEqual([fromFile, fromEnv]);
    expect(localTrustedKeys([], {})).toEqual([]);
  });

  it("refuses a malformed CREDVEND_TRUSTED_KEYS as a usage error that names it", async () => {
    const good = await key();
    for (const [value, message] of [
      ["{not json", /CREDVEND_TRUSTED_KEYS: not valid JSON/],
      [JSON.stringify(good), /CREDVEND_TRUSTED_KEYS: must be a JSON array/],
      [JSON.stringify([{ ...good, keyId: "0000000000000000" }]), /is not the id of that key/],
    ] as const) {
      expect(() => localTrustedKeys([], { CREDVEND_TRUSTED_KEYS: value })).toThrow(
        expect.objectContaining({ exitCode: 2, message: expect.stringMatching(message) }),
      );
    }
  });
});
