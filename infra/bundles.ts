// Bundles each Lambda entry with esbuild (minified ESM for nodejs22.x) into dist/<name>/index.mjs.
// The CDK app and the benchmark use the same entries and options.
import { mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type BuildOptions } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export const LAMBDA_ENTRIES = [
  { name: "vend", entry: "functions/vend/lambda.ts" },
  { name: "webhooks", entry: "functions/webhooks/lambda.ts" },
  { name: "sweeper", entry: "functions/sweeper/lambda.ts" },
  { name: "anomalies", entry: "functions/anomalies/lambda.ts" },
  { name: "worker-local-tokens", entry: "plugin-workers/local-tokens/lambda.ts" },
];

export const BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  minify: true,
  sourcemap: "external",
  platform: "node",
  format: "esm",
  target: "node22",
  // Some dependencies still call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __cvdCreateRequire } from 'node:module'; const require = __cvdCreateRequire(import.meta.url);" },
  logLevel: "warning",
};

export interface BuiltBundle {
  readonly name: string;
  readonly entry: string;
  readonly outfile: string;
  readonly bytes: number;
}

export async function buildBundles(outDir = join(root, "dist")): Promise<BuiltBundle[]> {
  const results: BuiltBundle[] = [];
  for (const { name, entry } of LAMBDA_ENTRIES) {
    const outfile = join(outDir, name, "index.mjs");
    mkdirSync(dirname(outfile), { recursive: true });
    await build({ ...BUNDLE_OPTIONS, entryPoints: [join(root, entry)], outfile });
    results.push({ name, entry, outfile, bytes: statSync(outfile).size });
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { name, outfile, bytes } of await buildBundles()) {
    console.log(`${name.padEnd(22)} ${(bytes / 1024).toFixed(0).padStart(6)} KiB  ${outfile}`);
  }
}
