// A worker deployed from the zip its publisher signed. The zip is uploaded byte for byte, so
// Lambda's CodeSha256 is the SHA-256 computed here; verify-workers.ts checks it against the
// manifest at synth, so a worker the core would refuse never gets deployed.
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

export function readSignedPackage(config: PackageConfig, base: string, field: string, problems: string[]): ResolvedPackage | undefined {
  const zipPath = resolve(base, config.zip);
  const manifestPath = config.manifest ? resolve(base, config.manifest) : join(dirname(zipPath), "manifest.json");
  const signaturePath = config.signature ? resolve(base, config.signature) : join(dirname(zipPath), "manifest.sig");
  const zip = read(zipPath, `${field}.zip`, problems);
  const manifestText = read(manifestPath, `${field}.manifest`, problems);
  const signature = read(signaturePath, `${field}.signature`, problems);
  if (!zip || !manifestText || !signature) return undefined;
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestText.toString("utf8"));
  } catch {
    problems.push(`${field}.manifest: ${manifestPath} is not JSON`);
    return undefined;
  }
  const codeSha256 = createHash("sha256").update(zip).digest("base64");
  return { zipPath, manifestPath, signaturePath, codeSha256, manifest, signature: signature.toString("utf8").trim() };
}

function read(path: string, field: string, problems: string[]): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    problems.push(`${field}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    return undefined;
  }
}
