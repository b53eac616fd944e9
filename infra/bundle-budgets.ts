// Every Lambda bundle (the broker's functions and each TypeScript worker) against its size budget,
// with the packages that weigh most: the bundle-budget test fails naming them, and the benchmark
// and `npm run build` print them.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Metafile } from "esbuild";
import { workerBundleSpecs } from "./build-workers.js";
import { bundleLambda, LAMBDA_ENTRIES, type LambdaBundleSpec, writeLambdaBundle } from "./bundles.js";
import { REPO_ROOT } from "./paths.js";

export interface Contributor {
  /** An npm package (`@aws-sdk/client-dynamodb`) or a folder of ours (`functions/vend`). */
  readonly name: string;
  readonly bytes: number;
}

export interface BundleSize {
  readonly spec: LambdaBundleSpec;
  readonly bytes: number;
  readonly contributors: readonly Contributor[];
}

export function allLambdaBundles(): LambdaBundleSpec[] {
  return [...LAMBDA_ENTRIES, ...workerBundleSpecs()];
}

export async function measureBundle(spec: LambdaBundleSpec): Promise<BundleSize> {
  const { code, metafile } = await bundleLambda(spec.entry);
  return { spec, bytes: code.byteLength, contributors: contributorsOf(metafile) };
}

/** Bytes in the output per package (or per folder of ours), largest first. */
export function contributorsOf(metafile: Metafile): Contributor[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = contributorName(input);
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

function contributorName(input: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
  return pkg ?? input.split("/").slice(0, 2).join("/");
}

export const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;

/** "vend: 673 KiB, over its 400 KiB budget; largest: zod 446 KiB, …" */
export function describeSize({ spec, bytes, contributors }: BundleSize, top = 8): string {
  const verdict = bytes > spec.budgetKiB * 1024 ? `over its ${spec.budgetKiB} KiB budget` : `within its ${spec.budgetKiB} KiB budget`;
  const largest = contributors
    .slice(0, top)
    .map((c) => `${c.name} ${kib(c.bytes)}`)
    .join(", ");
  return `${spec.name}: ${kib(bytes)}, ${verdict} (target ${spec.targetKiB} KiB); largest: ${largest}`;
}

// `npm run build`: every bundle into dist/<name>/index.mjs (+ its source map), sizes against budgets.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const spec of allLambdaBundles()) {
    await writeLambdaBundle(spec.entry, join(REPO_ROOT, "dist", spec.name, "index.mjs"));
    console.log(describeSize(await measureBundle(spec), 5));
  }
}
