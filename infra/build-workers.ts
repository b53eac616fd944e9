// `npm run build:workers`: each worker under plugin-workers/ that has a plugin.json becomes
// dist/workers/<name>/code.zip (deterministic: same source, same bytes) plus a copy of its
// plugin.json, ready for `credvend plugin sign`. A TypeScript worker names its Lambda `entry`
// (bundled by esbuild into index.mjs); a worker in another language lists its `files` as they are.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { codeSha256Of } from "../functions/adapters/plugins/file-code-hash.js";
import { CAPABILITIES } from "../functions/core/plugin-trust/index.js";
import { environmentNames, HANDLER, RUNTIME } from "../functions/core/plugin-trust/manifest.js";
import { isSemver } from "../functions/core/plugin-trust/semver.js";
import { parseProtocolVersion, PROTOCOL_VERSION } from "../plugin-protocol/protocol-version.js";
import type { Capability } from "../plugin-protocol/types.js";
import { bundleLambda, type LambdaBundleSpec } from "./bundles.js";
import { deterministicZip, type ZipEntry } from "./deterministic-zip.js";
import { vendorEntries } from "./python-vendor.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** plugin.json: what `plugin sign` puts in the manifest, and how the worker is packaged. */
export interface WorkerPackage {
  readonly name: string;
  readonly version: string;
  /** The protocol `major.minor` it speaks; default this checkout's (PROTOCOL_VERSION). */
  readonly protocolVersion?: string;
  readonly providers: readonly string[];
  readonly capabilities: readonly Capability[];
  /** The Lambda handler (`index.handler` for a TypeScript worker: the bundle is index.mjs). */
  readonly handler: string;
  /** The Lambda runtime it is signed for: exact (`nodejs24.x`) or a family (`nodejs`). */
  readonly runtime: string;
  /** The environment variable names it may be deployed with (its allowlist; [] for none). */
  readonly environment: readonly string[];
  /** TypeScript Lambda entry, relative to the worker's folder. */
  readonly entry?: string;
  /** Files zipped as they are (another language), relative to the worker's folder. */
  readonly files?: readonly string[];
  /**
   * Python packages zipped with it, so Lambda's runtime needs nothing else (infra/python-vendor.ts):
   * folders relative to the worker's (the SDK; google/ from a `pip install --target`), each zipped as
   * `<folder name>/`, or `python:<module>` for a package installed for the build's Python
   * (`python:google.protobuf`), zipped under its module path with its license. Only .py files: no
   * compiled extensions, so protobuf runs as pure Python.
   */
  readonly vendor?: readonly string[];
}

export interface BuiltWorker {
  readonly info: WorkerPackage;
  readonly outDir: string;
  readonly zipPath: string;
  readonly codeSha256: string;
  readonly bytes: number;
}

export function readWorkerPackage(dir: string): WorkerPackage {
  const path = join(dir, "plugin.json");
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : "not valid JSON"}`);
  }
  const strings = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === "string");
  if (typeof value.name !== "string" || !/^[a-z][a-z0-9-]{0,62}$/.test(value.name))
    throw new Error(`${path}: name must be lower-case letters, digits and dashes`);
  if (!isSemver(value.version))
    throw new Error(`${path}: version must be semver MAJOR.MINOR.PATCH[-pre], e.g. "0.1.0" (it names the worker's folder at install)`);
  if (value.protocolVersion !== undefined && (typeof value.protocolVersion !== "string" || !parseProtocolVersion(value.protocolVersion)))
    throw new Error(`${path}: protocolVersion must be "major.minor", e.g. "${PROTOCOL_VERSION}"`);
  if (!strings(value.providers)) throw new Error(`${path}: providers must be a non-empty array of strings`);
  if (!strings(value.capabilities) || !(value.capabilities as string[]).every((c) => (CAPABILITIES as string[]).includes(c)))
    throw new Error(`${path}: capabilities must be some of ${CAPABILITIES.join(", ")}`);
  if ((typeof value.entry === "string") === strings(value.files)) throw new Error(`${path}: give either "entry" (TypeScript) or "files"`);
  if (typeof value.handler !== "string" || !HANDLER.test(value.handler))
    throw new Error(`${path}: handler must be the Lambda handler, e.g. "index.handler"`);
  if (typeof value.entry === "string" && !value.handler.startsWith("index."))
    throw new Error(`${path}: handler must be index.<export>: the bundle is index.mjs`);
  if (typeof value.runtime !== "string" || !RUNTIME.test(value.runtime))
    throw new Error(`${path}: runtime must be a Lambda runtime family such as "nodejs" or an exact one such as "nodejs24.x"`);
  environmentNames(value.environment, `${path}: environment`);
  if (value.vendor !== undefined && (typeof value.entry === "string" || !strings(value.vendor)))
    throw new Error(`${path}: vendor must be a non-empty array of package folders, next to "files"`);
  return value as unknown as WorkerPackage;
}

/** Bundles (or collects) one worker and writes its deterministic zip under `outRoot/<name>/`. */
export async function buildWorker(dir: string, outRoot = join(root, "dist", "workers")): Promise<BuiltWorker> {
  const info = readWorkerPackage(dir);
  const entries: ZipEntry[] = info.entry
    ? [{ name: "index.mjs", data: (await bundleLambda(relative(root, join(dir, info.entry)))).code }]
    : [
        ...(info.files ?? []).map((file) => ({ name: file, data: readFileSync(join(dir, file)) })),
        ...(info.vendor ?? []).flatMap((entry) => vendorEntries(entry, resolve(dir, entry))),
      ];
  const zip = deterministicZip(entries);
  const outDir = join(outRoot, info.name);
  mkdirSync(outDir, { recursive: true });
  const zipPath = join(outDir, "code.zip");
  writeFileSync(zipPath, zip);
  writeFileSync(join(outDir, "plugin.json"), `${JSON.stringify(info, null, 2)}\n`);
  return { info, outDir, zipPath, codeSha256: codeSha256Of(zip), bytes: zip.length };
}

/** Targets: 250 KiB each; the budget is today's largest plus a little (infra/README.md says why). */
const WORKER_BUDGET_KIB = 480;
/** The github worker reads trust policy files: it alone carries a YAML parser (yaml, 112 KiB). */
const WORKER_BUDGETS_KIB: Readonly<Record<string, number>> = { github: 600 };

/** Each TypeScript worker's Lambda bundle, with its budget (`worker-<name>`). */
export function workerBundleSpecs(): LambdaBundleSpec[] {
  return workerDirs().flatMap((dir) => {
    const info = readWorkerPackage(dir);
    if (!info.entry) return [];
    const entry = relative(root, join(dir, info.entry));
    return [
      {
        name: `worker-${info.name}`,
        entry,
        budgetKiB: WORKER_BUDGETS_KIB[info.name] ?? WORKER_BUDGET_KIB,
        targetKiB: 250,
        importTargetMs: 30,
      },
    ];
  });
}

/** Every folder of plugin-workers/ with a plugin.json, except the template `plugin init` copies. */
/** What `credvend plugin init` copies: skeletons, not workers to build. */
const TEMPLATES = ["template", "template-python"];

export function workerDirs(base = join(root, "plugin-workers")): string[] {
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !TEMPLATES.includes(d.name) && existsSync(join(base, d.name, "plugin.json")))
    .map((d) => join(base, d.name))
    .sort();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const dir of workerDirs()) {
    const built = await buildWorker(dir);
    console.log(
      `${built.info.name.padEnd(20)} ${(built.bytes / 1024).toFixed(0).padStart(6)} KiB  codeSha256 ${built.codeSha256}  ${built.zipPath}`,
    );
  }
  console.log("next: credvend plugin sign --key <private key> dist/workers/<name>");
}
