// Secure, uniform defaults for every credvend Lambda, derived from the same esbuild options the
// bench and `npm run build` use (infra/bundles.ts), so what is measured is what is deployed.
import { Architecture, Runtime } from "aws-cdk-lib/aws-lambda";
import { OutputFormat, type BundlingOptions, type ICommandHooks } from "aws-cdk-lib/aws-lambda-nodejs";
import { BUNDLE_OPTIONS } from "../bundles.js";

/** The newest Node.js runtime this aws-cdk-lib knows (cdk-nag AwsSolutions-L1); the code targets node22+. */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;
/** The same for workers in Python (a deployment config's package.runtime: python). */
export const LAMBDA_PYTHON_RUNTIME = Runtime.PYTHON_3_15;
export const LAMBDA_ARCHITECTURE = Architecture.ARM_64;
/** Where Lambda unpacks the function's code: files shipped beside the bundle are read from here. */
export const LAMBDA_TASK_ROOT = "/var/task";

export interface AssetFile {
  /** Absolute path on the synth machine. */
  readonly from: string;
  /** Path inside the function's code, relative to its root. */
  readonly to: string;
}

const banner = typeof BUNDLE_OPTIONS.banner === "object" ? BUNDLE_OPTIONS.banner.js : undefined;

export function bundlingOptions(files: readonly AssetFile[] = []): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    minify: BUNDLE_OPTIONS.minify ?? true,
    // No source map in the function's code: Node applies one only when maps are enabled
    // (--enable-source-maps through NODE_OPTIONS, which no function has), so it would be dead
    // weight — 75 % of the upload. `npm run build` writes them beside dist/ for reading traces.
    sourceMap: false,
    target: String(BUNDLE_OPTIONS.target),
    mainFields: [...(BUNDLE_OPTIONS.mainFields ?? [])],
    // Bundle the pinned AWS SDK too (CDK leaves @aws-sdk/* to the runtime by default): the code
    // deployed is the code tested, and the same bytes as `npm run build` and signed worker zips.
    externalModules: [],
    // The same aliases as every bundle (infra/bundles.ts): e.g. the environment-only credential provider.
    ...(BUNDLE_OPTIONS.alias ? { esbuildArgs: aliasArgs(BUNDLE_OPTIONS.alias) } : {}),
    ...(banner ? { banner } : {}),
    ...(files.length > 0 ? { commandHooks: copyFilesAfterBundling(files) } : {}),
  };
}

function aliasArgs(alias: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(alias).map(([from, to]) => [`--alias:${from}`, to]));
}

/** Ships files (the policy, worker manifests) inside the code asset: no 4 KB env limit, and a
 *  changed file changes the asset hash, so `cdk deploy` redeploys the function. */
function copyFilesAfterBundling(files: readonly AssetFile[]): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir: string, outputDir: string) =>
      files.flatMap(({ from, to }) => {
        const target = `${outputDir}/${to}`;
        const folder = target.slice(0, target.lastIndexOf("/"));
        return [`mkdir -p ${shellQuote(folder)}`, `cp ${shellQuote(from)} ${shellQuote(target)}`];
      }),
  };
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
