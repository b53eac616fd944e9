// The identity a vend request names for self-serve trust: which target policy file
// (`.github/credvend/<identity>.yaml`) speaks for it. One strict grammar on both sides of the
// plugin contract, because the name becomes part of a path a worker reads: no `/`, no `..`, no
// upper case (GitHub paths are case-sensitive, so `Release` and `release` would be two files).

export const IDENTITY_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const IDENTITY_MESSAGE =
  "identity: 1 to 63 lower-case letters, digits and dashes, starting with a letter or digit (it names .github/credvend/<identity>.yaml)";

export function isIdentity(value: string): boolean {
  return IDENTITY_PATTERN.test(value);
}
