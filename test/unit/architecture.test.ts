// The layout's promises, checked on the source and on the Lambda bundles themselves: no import
// cycle, workers take nothing of the broker, the contract takes nothing of either, the core no
// AWS/Hono/Connect, no deployed function carries dev-only, test or build-time-only code, and each
// bundle stays within its size budget (esbuild's metafile names what weighs most).
import { join } from "node:path";
import type { Metafile } from "esbuild";
import { describe, expect, it } from "vitest";
import { allLambdaBundles, contributorsOf, describeSize } from "../../infra/bundle-budgets.js";
import { bundleLambda, type Bundle } from "../../infra/bundles.js";
import { importCycles, readImportGraph } from "../support/import-graph.js";

const ROOT = join(import.meta.dirname, "../..");
const graph = readImportGraph(ROOT, ["functions", "plugin-protocol", "plugin-workers", "cli", "infra", "test"]);

const BUNDLES = allLambdaBundles();
const built = new Map<string, Promise<Bundle>>();
/** Each bundle is built once for every check below. */
const bundleOf = (entry: string) => built.get(entry) ?? built.set(entry, bundleLambda(entry)).get(entry)!;
/** The files that put code into the bundle (esbuild also lists what it read and then tree-shook away). */
const inputsOf = (metafile: Metafile) =>
  Object.values(metafile.outputs)
    .flatMap((output) => Object.entries(output.inputs).filter(([, { bytesInOutput }]) => bytesInOutput > 0))
    .map(([input]) => input.replace(/^(\.\.\/)+main\//, ""));

/** Build-time only (the OpenAPI document, the policy's YAML): a function that carries them pays ~600 KiB for nothing.
 *  `@hono/node-server` is the local loopback server (plugin-workers/sdk/listen.ts): Lambda serves through its handler.
 *  YAML is parsed at run time only by workers (a target's trust policy file, plugin-workers/sdk/strict-yaml.ts). */
const NEVER_DEPLOYED = ["@hono/zod-openapi", "@asteasolutions/zod-to-openapi", "zod/v4/locales", "zod/v4/classic", "@hono/node-server"];

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

  it("bundles every function and every TypeScript worker (a new Lambda entry gets a budget too)", () => {
    expect(BUNDLES.map((b) => b.name)).toEqual(
      expect.arrayContaining(["vend", "webhooks", "sweeper", "worker-local-tokens", "worker-aws-sts", "worker-github"]),
    );
  });

  it.each(BUNDLES)("$name: no dev-only (cli/), test, build-time-only or loopback-server code in the bundle", async ({ entry }) => {
    const inputs = inputsOf((await bundleOf(entry)).metafile);
    expect(inputs.some((input) => input.startsWith(entry.slice(0, entry.lastIndexOf("/"))))).toBe(true);
    expect(inputs.filter((input) => /^(cli|test)\//.test(input))).toEqual([]);
    expect(inputs.filter((input) => NEVER_DEPLOYED.some((name) => input.includes(`node_modules/${name}/`)))).toEqual([]);
    if (!entry.startsWith("plugin-workers/")) expect(inputs.filter((input) => input.includes("node_modules/yaml/"))).toEqual([]);
    expect(
      inputs.filter((input) => /^functions\/(vend\/(routes|api-document)|http\/openapi|core\/policy\/policy-yaml)\.ts$/.test(input)),
    ).toEqual([]);
  });

  // Lambda's one call from the functions (GetFunctionConfiguration) is a signed GET
  // (lambda-configuration-api.ts): the SDK's Lambda client is ~80 KiB of schemas for it.
  it.each(BUNDLES)("$name: no @aws-sdk/client-lambda in the bundle", async ({ entry }) => {
    const inputs = inputsOf((await bundleOf(entry)).metafile);
    expect(inputs.filter((input) => input.includes("node_modules/@aws-sdk/client-lambda/"))).toEqual([]);
  });

  it.each(BUNDLES)("$name: within its size budget", async (spec) => {
    const { code, metafile } = await bundleOf(spec.entry);
    const size = { spec, bytes: code.byteLength, contributors: contributorsOf(metafile) };
    expect(code.byteLength, describeSize(size)).toBeLessThanOrEqual(spec.budgetKiB * 1024);
  });
});
