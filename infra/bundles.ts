// How every Lambda is bundled (minified ESM for nodejs22.x+), and the broker functions' entries
// with their size budgets. The CDK app, signed worker zips, `npm run build`, the bundle-budget
// test and the benchmark all use these options, so what is measured is what is deployed.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type BuildOptions, type Metafile } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface LambdaBundleSpec {
  readonly name: string;
  /** Relative to the repository root. */
  readonly entry: string;
  /** Largest allowed bundle (index.mjs, minified, no source map); the bundle-budget test enforces it. */
  readonly budgetKiB: number;
  /** Where the bundle should be; `npm run bench` prints both. */
  readonly targetKiB: number;
  /** Module import time to aim for, in a fresh process (`npm run bench`). */
  readonly importTargetMs: number;
}

/**
 * The broker's functions. Targets: 400 KiB each. The budgets are today's sizes plus a little, so
 * any growth fails a test. Most of each is the bundled AWS SDK v3: left to the Lambda runtime
 * instead, the bundles fall under the targets but every import takes about twice as long, so the
 * SDK stays bundled (infra/README.md).
 */
export const LAMBDA_ENTRIES: readonly LambdaBundleSpec[] = [
  // -80 KiB each for vend, webhooks, sweeper and poller: GetFunctionConfiguration is one signed GET
  // (functions/adapters/plugins/lambda-configuration-api.ts), @aws-sdk/client-lambda is no longer
  // bundled; then +8 KiB for loading the worker transport on first use (lazy-grpc-web-plugin-client.ts:
  // esbuild tree-shakes a lazily loaded module less well; import ~40 ms faster). Budgets are the
  // new sizes (572, 564, 532, 532 KiB) plus ~5 KiB.
  { name: "vend", entry: "functions/vend/lambda.ts", budgetKiB: 577, targetKiB: 400, importTargetMs: 50 },
  { name: "webhooks", entry: "functions/webhooks/lambda.ts", budgetKiB: 569, targetKiB: 400, importTargetMs: 50 },
  { name: "sweeper", entry: "functions/sweeper/lambda.ts", budgetKiB: 537, targetKiB: 400, importTargetMs: 50 },
  { name: "poller", entry: "functions/poller/lambda.ts", budgetKiB: 537, targetKiB: 400, importTargetMs: 50 },
  { name: "anomalies", entry: "functions/anomalies/lambda.ts", budgetKiB: 300, targetKiB: 400, importTargetMs: 50 },
];

export const BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  minify: true,
  sourcemap: "external",
  platform: "node",
  format: "esm",
  target: "node22",
  // ESM builds first: the AWS SDK's dist-es tree-shakes to about two thirds of its dist-cjs
  // (esbuild's own order for platform=node is main, then module).
  mainFields: ["module", "main"],
  // Lambda's credentials are in the environment: the SDK's full provider chain stays out.
  alias: { "@aws-sdk/credential-provider-node": join(root, "infra/lambda-credential-provider.ts") },
  // Some dependencies still call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __cvdCreateRequire } from 'node:module'; const require = __cvdCreateRequire(import.meta.url);" },
  logLevel: "warning",
};

export interface Bundle {
  /** The bundle as deployed: index.mjs, no source map. */
  readonly code: Uint8Array;
  readonly metafile: Metafile;
}

/** One Lambda bundle as a function asset carries it, with esbuild's account of what went in. */
export async function bundleLambda(entry: string): Promise<Bundle> {
  const result = await build({
    ...BUNDLE_OPTIONS,
    entryPoints: [join(root, entry)],
    sourcemap: false,
    write: false,
    metafile: true,
    outfile: "index.mjs",
    // Nothing in the output depends on where the build ran.
    absWorkingDir: root,
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced nothing for ${entry}`);
  return { code: output.contents, metafile: result.metafile };
}

/** `npm run build`: the bundle written to `outfile`, with its source map beside it (for reading stack traces). */
export async function writeLambdaBundle(entry: string, outfile: string): Promise<void> {
  await build({ ...BUNDLE_OPTIONS, entryPoints: [join(root, entry)], outfile, absWorkingDir: root });
}
