// The options every registry reader shares (--registry, --registry-key) and the one way an index
// is loaded: read, then believed only once its signature verifies with the pinned registry key and
// it is fresh — not expired, not older than what this project accepted (registry-freshness.ts).
import { CliError } from "../cli-error.js";
import { readKeyFiles } from "./key-files.js";
import type { ProjectFiles } from "./project-files.js";
import { checkFreshness, RegistryFreshnessError } from "./registry-freshness.js";
import { indexSha256, RegistryIndexError, verifyRegistryIndex, type RegistryIndex } from "./registry-index.js";
import { registrySource, RegistryUnreachableError, type RegistrySource } from "./registry-source.js";

export const registryOptions = {
  options: { registry: { type: "string" }, "registry-key": { type: "string" } },
  usage: `  --registry URL|PATH   The registry: an https URL (http on loopback) or a folder / index.json
  --registry-key FILE   The registry's public key (its .pub.json): the index must be signed by it`,
} as const;

export interface RegistryOptionValues {
  readonly registry?: string;
  readonly "registry-key"?: string;
}

export interface LoadedRegistry {
  readonly index: RegistryIndex;
  readonly source: RegistrySource;
  /** indexSha256 of the index, for the accepted-registries record. */
  readonly sha256: string;
}

export async function loadRegistry(values: RegistryOptionValues, project: ProjectFiles, now = new Date()): Promise<LoadedRegistry> {
  if (!values.registry) throw new CliError("--registry is required (a registry URL or folder)", 2);
  if (!values["registry-key"]) throw new CliError("--registry-key is required (the registry's public key, to check its index)", 2);
  const [registryKey] = readKeyFiles([values["registry-key"]], "--registry-key");
  if (!registryKey) throw new CliError(`--registry-key ${values["registry-key"]}: holds no key`, 2);
  let source: RegistrySource;
  try {
    source = registrySource(values.registry);
  } catch (error) {
    throw new CliError(`--registry ${values.registry}: ${(error as Error).message}`, 2);
  }
  const accepted = project.acceptedRegistries();
  try {
    const index = await verifyRegistryIndex(await source.readIndex(), registryKey);
    const sha256 = indexSha256(index);
    checkFreshness(index, sha256, accepted, source.location, now, project.registriesFile);
    return { index, source, sha256 };
  } catch (error) {
    if (error instanceof RegistryUnreachableError || error instanceof RegistryFreshnessError) throw new CliError(error.message);
    if (error instanceof RegistryIndexError) throw new CliError(`registry ${source.location}: ${error.message}`);
    throw error;
  }
}
