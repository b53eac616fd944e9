// The layout's promises, checked on the source and on the Lambda bundles themselves: no import
// cycle, workers take nothing of the broker, the contract takes nothing of either, the core no
// AWS/Hono/Connect, and no deployed function carries dev-only or test code.
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { BUNDLE_OPTIONS } from "../../infra/bundles.js";
import { importCycles, readImportGraph } from "../support/import-graph.js";

const ROOT = join(import.meta.dirname, "../..");
const graph = readImportGraph(ROOT, ["functions", "plugin-protocol", "plugin-workers", "cli", "infra", "test"]);

const LAMBDA_ENTRIES = [
  "functions/vend/lambda.ts",
  "functions/webhooks/lambda.ts",
  "functions/anomalies/lambda.ts",
  "plugin-workers/local-tokens/lambda.ts",
  "plugin-workers/aws-sts/lambda.ts",
  "plugin-workers/github/lambda.ts",
];

function importsOf(prefix: string): { file: string; target: string }[] {
  return [...graph.local]
    .filter(([file]) => file.startsWith(prefix))
    .flatMap(([file, targets]) => targets.map((target) => ({ file, target })));
}

function externalImportsOf(prefix: string): { file: string; target: string }[] {
  return [...graph.external]
    .filter(([file]) => file.startsWith(prefix))
    .flatMap(([file, targets]) => targets.map((target) => ({ file, target })));
}

describe("architecture", () => {
  it("reads the whole tree (a check over no files would pass anything)", () => {
    expect(graph.local.size).toBeGreaterThan(200);
    expect(importsOf("plugin-workers/").length).toBeGreaterThan(50);
  });

  it("has no import cycle, type-only imports included", () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it("plugin workers import nothing from functions/, cli/, infra/ or test/ (the broker stays out of a worker)", () => {
    const leaks = importsOf("plugin-workers/").filter(({ target }) => /^(functions|cli|infra|test)\//.test(target));
    expect(leaks).toEqual([]);
  });

  it("plugin-protocol/ imports only itself, the generated protobuf code, @bufbuild/protobuf and node built-ins", () => {
    const local = importsOf("plugin-protocol/").filter(({ target }) => !/^(plugin-protocol|proto\/gen)\//.test(target));
    const external = externalImportsOf("plugin-protocol/").filter(({ target }) => !/^(@bufbuild\/protobuf(\/.*)?|node:.*)$/.test(target));
    expect([...local, ...external]).toEqual([]);
  });

  it("the core domain imports no adapter, no AWS SDK, no Hono and no Connect", () => {
    const local = importsOf("functions/core/").filter(({ target }) => !/^(functions\/core|plugin-protocol)\//.test(target));
    const external = externalImportsOf("functions/core/").filter(({ target }) => /^(@aws-sdk|@smithy|hono|@hono|@connectrpc)/.test(target));
    expect([...local, ...external]).toEqual([]);
  });

  it("no Lambda bundle contains dev-only (cli/) or test code", async () => {
    for (const entry of LAMBDA_ENTRIES) {
      const result = await build({
        ...BUNDLE_OPTIONS,
        entryPoints: [join(ROOT, entry)],
        write: false,
        metafile: true,
        minify: false,
        sourcemap: false,
        outdir: "/tmp/credvend-architecture",
      });
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.some((input) => input.startsWith(entry.slice(0, entry.lastIndexOf("/"))))).toBe(true);
      expect(
        inputs.filter((input) => /^(cli|test)\//.test(input)),
        entry,
      ).toEqual([]);
    }
  });
});
