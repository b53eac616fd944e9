import { describe, expect, it } from "vitest";
import { BASE62_ALPHABET, LOCAL_TOKEN_PATTERN, hasValidChecksum, mintLocalToken } from "../../plugin-workers/local-tokens/token.js";

// Computed outside this code base (Python's zlib.crc32), so the alphabet order is pinned too.
const KNOWN = "cvd_abcdefghijklmnopqrstuvwxyz01232LolCm";

function flip(token: string, index: number): string {
  const c = token.charAt(index);
  const replacement = c === "a" ? "b" : "a";
  return token.slice(0, index) + replacement + token.slice(index + 1);
}

describe("local token format", () => {
  it("mints cvd_ + 36 base62 characters with a valid checksum", () => {
    const tokens = Array.from({ length: 200 }, () => mintLocalToken());
    for (const token of tokens) {
      expect(token).toMatch(LOCAL_TOKEN_PATTERN);
      expect(token).toHaveLength(40);
      expect(hasValidChecksum(token)).toBe(true);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
    const used = new Set(tokens.flatMap((t) => [...t.slice(4, 34)]));
    for (const c of used) expect(BASE62_ALPHABET).toContain(c);
    // 6,000 draws from 62 symbols: every symbol shows up unless the sampler is broken.
    expect(used.size).toBe(62);
  });

  it("matches a checksum computed independently", () => {
    expect(hasValidChecksum(KNOWN)).toBe(true);
  });

  it("fails the checksum when any character changes", () => {
    const token = mintLocalToken();
    for (const index of [4, 20, 33, 34, 39]) expect(hasValidChecksum(flip(token, index))).toBe(false);
    expect(hasValidChecksum(flip(KNOWN, 10))).toBe(false);
  });

  it("rejects anything outside the format", () => {
    for (const bad of ["", "cvd_", KNOWN.slice(0, -1), `${KNOWN}x`, KNOWN.replace("cvd_", "cvx_"), KNOWN.replace("a", "-"), ` ${KNOWN}`]) {
      expect(hasValidChecksum(bad)).toBe(false);
    }
  });
});
