// The options every registry reader shares (--registry, --registry-key) and the one way an index
// is loaded: read, then believed only once its signature verifies with the pinned registry key.
import { CliError } from "../cli-error.js";
import { readKeyFiles } from "./key-files.js";
import { RegistryIndexError, verifyRegistryIndex, type RegistryIndex } from "./registry-index.js";
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

export async function loadRegistry(values: RegistryOptionValues): Promise<{ index: RegistryIndex; source: RegistrySource }> {
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
  try {
    return { index: await verifyRegistryIndex(await source.readIndex(), registryKey), source };
  } catch (error) {
    if (error instanceof RegistryUnreachableError) throw new CliError(error.message);
    if (error instanceof RegistryIndexError) throw new CliError(`registry ${source.location}: ${error.message}`);
    throw error;
  }
}
