// A worker deployed from the zip its publisher signed. The zip is uploaded byte for byte, so
// Lambda's CodeSha256 equals the manifest's codeSha256 and the core's code-hash check can pass;
// a zip that no longer matches its manifest fails synth instead of being refused at run time.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export interface ResolvedPackage {
  readonly zipPath: string;
  readonly manifestPath: string;
  readonly signaturePath: string;
  /** base64 SHA-256 of the zip, as Lambda reports CodeSha256. */
  readonly codeSha256: string;
  /** manifest.json, parsed, and manifest.sig's base64 text: what CREDVEND_WORKERS carries. */
  readonly manifest: unknown;
  readonly signature: string;
}

interface PackageConfig {
  readonly zip: string;
  readonly manifest?: string | undefined;
  readonly signature?: string | undefined;
}

export function checkSignedPackage(
  config: PackageConfig,
  base: string,
  field: string,
  problems: string[],
): ResolvedPackage | undefined {
  const zipPath = resolve(base, config.zip);
  const manifestPath = config.manifest ? resolve(base, config.manifest) : join(dirname(zipPath), "manifest.json");
  const signaturePath = config.signature ? resolve(base, config.signature) : join(dirname(zipPath), "manifest.sig");
  const zip = read(zipPath, `${field}.zip`, problems);
  const manifest = read(manifestPath, `${field}.manifest`, problems);
  const signature = read(signaturePath, `${field}.signature`, problems);
  if (!zip || !manifest || !signature) return undefined;

  const codeSha256 = createHash("sha256").update(zip).digest("base64");
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifest.toString("utf8"));
  } catch {
    problems.push(`${field}.manifest: ${manifestPath} is not JSON`);
    return undefined;
  }
  const declared = typeof parsed === "object" && parsed !== null ? (parsed as { codeSha256?: unknown }).codeSha256 : undefined;
  if (declared !== codeSha256) {
    problems.push(`${field}.zip: its SHA-256 (${codeSha256}) is not the manifest's codeSha256 (${String(declared)}): sign this zip again`);
    return undefined;
  }
  return { zipPath, manifestPath, signaturePath, codeSha256, manifest: parsed, signature: signature.toString("utf8").trim() };
}

function read(path: string, field: string, problems: string[]): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    problems.push(`${field}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    return undefined;
  }
}
