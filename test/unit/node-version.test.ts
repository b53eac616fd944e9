// Regression: the supported Node version was stated three ways (README: 20, infra/README: 22+, and
// npm warned that a dependency needs >= 22). The truth is package.json's `engines`: every
// installed package must accept its lowest version, except those named below with why, and the
// docs state that same range.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { REPO_ROOT } from "../support/run-action.js";

/** Packages whose `engines.node` excludes our lowest Node, known to work there. */
const ACCEPTED_ENGINE_MISMATCHES: Record<string, string> = {
  // Through @octokit/auth-app → @octokit/request (parses a response's Content-Type). Plain ESM
  // with no API newer than Node 20; the github worker's tests parse GitHub's answers with it.
  "content-type": ">=22",
};

const engines = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;

type Version = [number, number, number];
/** The first alternative's version: `^20.19.0 || …` → 20.19.0. */
const lowest = (range: string): Version => parseVersion(/^\s*(?:\^|>=)?\s*(\d+(?:\.\d+){0,2})/.exec(range)?.[1] ?? "");

function parseVersion(text: string): Version {
  if (!/^v?\d/.test(text) && !/^[x*]/.test(text)) return [Number.NaN, 0, 0];
  const [major = Number.NaN, minor = 0, patch = 0] = text
    .replace(/^v/, "")
    .split(".")
    .map((part) => (/^[x*]$/.test(part) ? 0 : Number(part)));
  return [major, minor, patch];
}

const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** Enough of npm's range grammar for `engines.node` fields: `||`, `>= > <= < ^ ~ =`, bare and x versions. */
function satisfies(version: Version, range: string): boolean {
  return range.split("||").some((alternative) => {
    const comparators = alternative
      .trim()
      .replace(/([<>=^~]+)\s+/g, "$1")
      .split(/\s+/)
      .filter(Boolean);
    return comparators.every((comparator) => {
      if (comparator === "*" || comparator === "x") return true;
      const [, op = "", text = ""] = /^([<>=^~]*)(.*)$/.exec(comparator)!;
      const wanted = parseVersion(text);
      const parts = text.split(".").filter((p) => !/^[x*]$/.test(p)).length;
      if (Number.isNaN(wanted[0])) throw new Error(`cannot read engines range "${range}"`);
      const c = compare(version, wanted);
      if (op === ">=") return c >= 0;
      if (op === ">") return c > 0;
      if (op === "<=") return c <= 0;
      if (op === "<") return c < 0;
      if (op === "^") return c >= 0 && version[0] === wanted[0];
      if (op === "~") return c >= 0 && version[0] === wanted[0] && (parts < 2 || version[1] === wanted[1]);
      // A bare or partial version ("20", "20.x") matches what it names.
      return version.slice(0, parts).every((n, i) => n === wanted[i]);
    });
  });
}

function installedEngines(dir: string, found: Map<string, string> = new Map()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    if (name.startsWith(".")) continue;
    const path = join(dir, name);
    if (name.startsWith("@")) {
      installedEngines(path, found);
      continue;
    }
    const manifest = join(path, "package.json");
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; engines?: { node?: unknown } };
      if (pkg.name && typeof pkg.engines?.node === "string") found.set(`${pkg.name} (${path.slice(REPO_ROOT.length)})`, pkg.engines.node);
    }
    if (existsSync(join(path, "node_modules"))) installedEngines(join(path, "node_modules"), found);
  }
  return found;
}

it("every installed package accepts package.json's lowest Node, or is a known, working exception (regression: Node version stated three ways)", () => {
  const floor = lowest(engines);
  expect(Number.isNaN(floor[0])).toBe(false);
  expect(satisfies(parseVersion(process.version), engines)).toBe(true);
  const refusing = [...installedEngines(join(REPO_ROOT, "node_modules"))]
    .filter(([, range]) => !satisfies(floor, range))
    .map(([pkg, range]) => `${pkg.split(" ")[0]} ${range}`);
  expect(refusing.sort()).toEqual(Object.entries(ACCEPTED_ENGINE_MISMATCHES).map(([pkg, range]) => `${pkg} ${range}`));
});

it("infra/README states package.json's engines range", () => {
  expect(readFileSync(join(REPO_ROOT, "infra", "README.md"), "utf8")).toContain(`Node \`${engines}\``);
});

it("the range reader agrees with npm on the forms installed packages use", () => {
  expect(satisfies([20, 19, 0], "^20.19.0 || >=22.12.0")).toBe(true);
  expect(satisfies([20, 11, 0], "^20.19.0 || >=22.12.0")).toBe(false);
  expect(satisfies([21, 0, 0], "^20.19.0 || >=22.12.0")).toBe(false);
  expect(satisfies([20, 19, 0], ">=22")).toBe(false);
  expect(satisfies([20, 19, 0], "18 || 20 || >=22")).toBe(true);
  expect(satisfies([20, 19, 0], ">= 0.6")).toBe(true);
  expect(satisfies([20, 19, 0], "^20.0.0 || ^22.0.0 || >=24.0.0")).toBe(true);
  expect(satisfies([20, 19, 0], ">=18 <20")).toBe(false);
});
