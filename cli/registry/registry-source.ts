// Where a registry lives: a folder (or its index.json) on disk, or an https URL (http only on
// loopback, for tests and local mirrors). Reads are bounded in size and time, and every failure
// is a RegistryUnreachableError naming the location, never a half-read answer.
import { readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { readCapped } from "../../plugin-protocol/read-capped.js";
import { INDEX_FILE } from "./registry-index.js";

export const MAX_INDEX_BYTES = 4 * 1024 * 1024;
/** Lambda's limit for a zip uploaded directly. */
export const MAX_ARTIFACT_BYTES = 50 * 1024 * 1024;
const TIMEOUT_MS = 15_000;

export class RegistryUnreachableError extends Error {
  override readonly name = "RegistryUnreachableError";
}

export interface RegistrySource {
  /** As the operator gave it, for messages and the install record. */
  readonly location: string;
  readIndex(): Promise<unknown>;
  /** An artifact named by the index: an https URL or a path relative to the index. */
  readArtifact(artifact: string): Promise<Uint8Array>;
}

export function registrySource(location: string): RegistrySource {
  if (/^[a-z]+:\/\//i.test(location)) return urlSource(location);
  return fileSource(location);
}

function fileSource(location: string): RegistrySource {
  const path = resolve(location);
  const indexPath = path.endsWith(".json") && !isDirectory(path) ? path : join(path, INDEX_FILE);
  const read = (file: string, max: number) => {
    try {
      const bytes = readFileSync(file);
      if (bytes.length > max) throw new RegistryUnreachableError(`${file}: larger than ${max} bytes`);
      return new Uint8Array(bytes);
    } catch (error) {
      if (error instanceof RegistryUnreachableError) throw error;
      throw new RegistryUnreachableError(`registry ${location}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
  };
  return {
    location,
    readIndex: async () => parseJson(read(indexPath, MAX_INDEX_BYTES), indexPath),
    readArtifact: async (artifact) =>
      isUrl(artifact) ? fetchBytes(artifact, MAX_ARTIFACT_BYTES) : read(join(dirname(indexPath), artifact), MAX_ARTIFACT_BYTES),
  };
}

function urlSource(location: string): RegistrySource {
  const base = new URL(location.endsWith("/") || location.endsWith(".json") ? location : `${location}/`);
  checkScheme(base);
  const indexUrl = base.pathname.endsWith(".json") ? base : new URL(INDEX_FILE, base);
  return {
    location,
    readIndex: async () => parseJson(await fetchBytes(indexUrl.href, MAX_INDEX_BYTES), indexUrl.href),
    readArtifact: (artifact) => fetchBytes(new URL(artifact, indexUrl).href, MAX_ARTIFACT_BYTES),
  };
}

async function fetchBytes(url: string, max: number): Promise<Uint8Array> {
  checkScheme(new URL(url));
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: "error" });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new RegistryUnreachableError(`registry unreachable: ${url} (${cause})`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new RegistryUnreachableError(`registry unreachable: ${url} answered HTTP ${response.status}`);
  }
  const body = await readCapped(response.body, max).catch(() => undefined);
  if (!body) throw new RegistryUnreachableError(`registry: ${url} is larger than ${max} bytes or was cut off`);
  return body;
}

/** https everywhere; plain http only to a loopback host. */
function checkScheme(url: URL): void {
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback))
    throw new RegistryUnreachableError(`registry ${url.href}: only https (http on loopback) is allowed`);
}

function parseJson(bytes: Uint8Array, where: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new RegistryUnreachableError(`${where}: not valid JSON`);
  }
}

function isUrl(text: string): boolean {
  return /^https?:\/\//.test(text);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
