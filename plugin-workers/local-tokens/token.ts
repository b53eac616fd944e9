// Token format: `cvd_` + 30 random base62 characters + 6 base62 characters of the CRC32 of the
// random part (GitHub's token scheme). The prefix makes leaks findable; the checksum lets a secret
// scanner reject look-alikes offline, without asking us.
import { randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";

export const LOCAL_TOKEN_PREFIX = "cvd_";
export const BASE62_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const RANDOM_LENGTH = 30;
const CHECKSUM_LENGTH = 6;

/** A whole token, anchored. To scan free text, drop the anchors and add word boundaries. */
export const LOCAL_TOKEN_PATTERN = /^cvd_[0-9A-Za-z]{36}$/;

export function mintLocalToken(): string {
  const random = randomBase62(RANDOM_LENGTH);
  return `${LOCAL_TOKEN_PREFIX}${random}${checksum(random)}`;
}

export function hasValidChecksum(token: string): boolean {
  if (!LOCAL_TOKEN_PATTERN.test(token)) return false;
  const body = token.slice(LOCAL_TOKEN_PREFIX.length);
  return checksum(body.slice(0, RANDOM_LENGTH)) === body.slice(RANDOM_LENGTH);
}

// Rejection sampling: 248 = 4 * 62 is the largest multiple of 62 below 256, so bytes 248..255
// are dropped and every character is equally likely (a plain `% 62` would favour the first 8).
const ACCEPT_BELOW = 256 - (256 % BASE62_ALPHABET.length);

function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= ACCEPT_BELOW) continue;
      out += BASE62_ALPHABET.charAt(byte % BASE62_ALPHABET.length);
      if (out.length === length) break;
    }
  }
  return out;
}

/** CRC32 (IEEE) of the ASCII random part, base62, left-padded with "0" to 6 characters. */
function checksum(random: string): string {
  let value = crc32(random);
  let out = "";
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62_ALPHABET.charAt(value % 62) + out;
    value = Math.floor(value / 62);
  }
  return out;
}
