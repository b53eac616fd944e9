// What the stack knows about its workers at synth — providers, allowUnsigned, the signed manifest
// and signature — ships in the function's code (credvend.workers.json beside index.mjs), not in
// its environment: Lambda caps the environment at 4 KB, which held about five signed manifests.
// CREDVEND_WORKERS keeps only what is known at deploy (each worker's URL and function name).
//   credvend.workers.json = { "<worker name>": { "providers", "allowUnsigned", "manifest"?, "signature"? } }
import { readFileSync } from "node:fs";
import { ConfigError } from "../../../plugin-workers/sdk/env.js";

export const WORKER_MANIFESTS_VARIABLE = "CREDVEND_WORKER_MANIFESTS_FILE";
const FILE_FIELDS = ["providers", "allowUnsigned", "manifest", "signature"];

/**
 * CREDVEND_WORKERS (JSON text) with each entry completed from the file, by name; the result is
 * validated by parseWorkers as one list. A field in both places, or a file entry for a worker the
 * list does not name, is a configuration error.
 */
export function mergeManifestsFile(workersJson: string, path: string | undefined): string {
  if (path === undefined || path.trim() === "") return workersJson;
  const file = readFile(path);
  let workers: unknown;
  try {
    workers = JSON.parse(workersJson);
  } catch {
    throw new ConfigError("CREDVEND_WORKERS: not valid JSON");
  }
  if (!Array.isArray(workers)) return workersJson; // parseWorkers names the problem
  const names = workers.map((entry) => (entry as { name?: unknown } | null)?.name);
  const unknown = Object.keys(file).filter((name) => !names.includes(name));
  if (unknown.length > 0)
    throw new ConfigError(`${WORKER_MANIFESTS_VARIABLE}: ${path} describes ${unknown.join(", ")}, which CREDVEND_WORKERS does not list`);
  const merged = workers.map((entry: Record<string, unknown> | null, i) => {
    const name = entry?.name;
    if (typeof name !== "string" || !Object.hasOwn(file, name)) return entry;
    const extra = file[name] as Record<string, unknown>;
    const both = Object.keys(extra).filter((field) => entry?.[field] !== undefined);
    if (both.length > 0) throw new ConfigError(`CREDVEND_WORKERS[${i}].${both[0]}: also in ${path}; keep one`);
    return { ...entry, ...extra };
  });
  return JSON.stringify(merged);
}

function readFile(path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`${WORKER_MANIFESTS_VARIABLE}: ${code ? `cannot read ${path} (${code})` : `${path} is not valid JSON`}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ConfigError(`${WORKER_MANIFESTS_VARIABLE}: ${path} must be a JSON object by worker name`);
  for (const [name, entry] of Object.entries(value)) {
    const fields = typeof entry === "object" && entry !== null && !Array.isArray(entry) ? Object.keys(entry) : undefined;
    const stray = fields?.filter((field) => !FILE_FIELDS.includes(field));
    if (!fields || (stray && stray.length > 0))
      throw new ConfigError(`${WORKER_MANIFESTS_VARIABLE}: ${path}: ${name} must be an object of ${FILE_FIELDS.join(", ")}`);
  }
  return value as Record<string, unknown>;
}
