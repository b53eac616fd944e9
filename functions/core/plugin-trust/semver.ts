// Plugin versions are semver `MAJOR.MINOR.PATCH[-pre]` (semver.org 2.0.0 without build metadata).
// A version names a folder (plugins/<name>/<version>/) and orders upgrades, so nothing else passes:
// no `/`, no `..`, no `+build` (two spellings of one precedence).

const NUMBER = "(?:0|[1-9]\\d{0,8})";
const SEMVER = new RegExp(`^${NUMBER}\\.${NUMBER}\\.${NUMBER}(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?$`);
const MAX_LENGTH = 64;

export function isSemver(value: unknown): value is string {
  return typeof value === "string" && value.length <= MAX_LENGTH && SEMVER.test(value);
}

/** Semver precedence: negative when a < b, 0 when equal, positive when a > b. Both must be semver. */
export function compareSemver(a: string, b: string): number {
  const [coreA, preA] = split(a);
  const [coreB, preB] = split(b);
  for (let i = 0; i < 3; i++) if (coreA[i] !== coreB[i]) return coreA[i]! - coreB[i]!;
  // A pre-release is lower than its release; two pre-releases compare identifier by identifier.
  if (preA === undefined || preB === undefined) return preA === preB ? 0 : preA === undefined ? 1 : -1;
  const [x, y] = [preA.split("."), preB.split(".")];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const [p, q] = [x[i], y[i]];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    const [numericP, numericQ] = [/^\d+$/.test(p), /^\d+$/.test(q)];
    if (numericP && numericQ) return Number(p) - Number(q);
    if (numericP !== numericQ) return numericP ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

function split(version: string): [number[], string | undefined] {
  const dash = version.indexOf("-");
  const core = dash < 0 ? version : version.slice(0, dash);
  return [core.split(".").map(Number), dash < 0 ? undefined : version.slice(dash + 1)];
}
