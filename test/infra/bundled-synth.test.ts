// The one synth WITH bundling: the committed example config, as `npx cdk synth -c config=...`
// builds it (local esbuild, no Docker). Checks what gets uploaded: each function's bundle, its
// source map, and the policy file inside the vend function's code.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildCredvendApp } from "../../infra/app.js";
import { functionAssets, type FunctionAsset } from "../../infra/asset-sizes.js";
import { REPO_ROOT } from "../../infra/paths.js";

const EXAMPLE = join(REPO_ROOT, "infra/credvend.config.example.yaml");
const outdir = mkdtempSync(join(tmpdir(), "credvend-bundled-"));
let assets: FunctionAsset[];

beforeAll(async () => {
  const { app, stack } = await buildCredvendApp(EXAMPLE, { outdir });
  const assembly = app.synth();
  assets = functionAssets(assembly.directory, stack);
}, 120_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

test("every function of the example is bundled: one minified, self-contained ESM index.mjs with its source map", () => {
  expect(assets.map((a) => a.name).sort()).toEqual(["Vend", "Webhooks", "Worker-aws-sts", "Worker-github", "Worker-local-tokens"]);
  for (const asset of assets) {
    const files = readdirSync(asset.path).sort();
    expect(files).toEqual(expect.arrayContaining(["index.mjs", "index.mjs.map"]));
    const code = readFileSync(join(asset.path, "index.mjs"), "utf8");
    expect(code).toMatch(/export\s*\{/);
    expect(code.length / code.split("\n").length).toBeGreaterThan(1000); // minified: long lines
    // Self-contained, the pinned AWS SDK included: the only imports left are Node's own modules.
    const imports = [...code.matchAll(/\bimport\s*[\w${},*\s]*?from\s*["']([^"']+)["']/g)].map((m) => m[1]!);
    expect(imports).toContain("node:module"); // the banner: proves the pattern finds imports
    expect(imports.filter((specifier) => !specifier.startsWith("node:"))).toEqual([]);
  }
});

test("the vend code carries the policy file byte for byte; no other function does", () => {
  const policy = readFileSync(join(REPO_ROOT, "credvend.policy.yaml"), "utf8");
  for (const asset of assets) {
    const shipped = readdirSync(asset.path).includes("credvend.policy.yaml");
    expect([asset.name, shipped]).toEqual([asset.name, asset.name === "Vend"]);
    if (shipped) expect(readFileSync(join(asset.path, "credvend.policy.yaml"), "utf8")).toBe(policy);
  }
});
