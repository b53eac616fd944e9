// The size of each Lambda's code as `cdk synth` staged it (the asset CDK uploads), for the bench
// and the bundled-synth test. Reads the cloud assembly: template + asset manifest.
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CfnElement } from "aws-cdk-lib";
import type { CredvendStack } from "./credvend-stack.js";

export interface FunctionAsset {
  /** Vend, Webhooks, Worker-<name> or Introspection-<name>. */
  readonly name: string;
  /** The staged asset: a directory (bundled) or a zip file (signed worker). */
  readonly path: string;
  /** Total bytes of the staged code: the bundle and what ships beside it (the compiled policy). */
  readonly bytes: number;
  /** Bytes of the JavaScript bundle (index.mjs), or of the zip. */
  readonly codeBytes: number;
}

interface AssetManifest {
  files: Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }>;
}

/** The staged code of each of the stack's functions, after `app.synth()` into `assemblyDir`. */
export function functionAssets(assemblyDir: string, stack: CredvendStack): FunctionAsset[] {
  const template = JSON.parse(readFileSync(join(assemblyDir, stack.templateFile), "utf8")) as {
    Resources: Record<string, { Properties: { Code?: { S3Key?: string } } }>;
  };
  const manifest = JSON.parse(readFileSync(join(assemblyDir, `${stack.artifactId}.assets.json`), "utf8")) as AssetManifest;
  const sourceByKey = new Map(
    Object.values(manifest.files).flatMap((file) => Object.values(file.destinations).map((d) => [d.objectKey, file.source.path] as const)),
  );
  return [...stack.functions].map(([name, lambda]) => {
    const key = template.Resources[stack.getLogicalId(lambda.function.node.defaultChild as CfnElement)]?.Properties.Code?.S3Key;
    const source = key === undefined ? undefined : sourceByKey.get(key);
    if (!source) throw new Error(`${name}: no staged code asset`);
    const path = join(assemblyDir, source);
    const isDirectory = statSync(path).isDirectory();
    return {
      name,
      path,
      bytes: isDirectory ? directoryBytes(path) : statSync(path).size,
      codeBytes: isDirectory ? statSync(join(path, "index.mjs")).size : statSync(path).size,
    };
  });
}

function directoryBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (sum, entry) => sum + (entry.isDirectory() ? directoryBytes(join(dir, entry.name)) : statSync(join(dir, entry.name)).size),
    0,
  );
}

/** `cdk synth` of a deployment config (bundling included) into a temp folder; its staged code sizes. */
export async function synthesizedFunctionAssets(configPath: string): Promise<FunctionAsset[]> {
  const { buildCredvendApp } = await import("./app.js");
  const { app, stack } = await buildCredvendApp(configPath, { outdir: mkdtempSync(join(tmpdir(), "credvend-synth-")) });
  return functionAssets(app.synth().directory, stack);
}
