// manifest.json and manifest.sig beside a worker's code.zip. manifest.json is indented for people;
// the signature covers its canonical bytes (core/plugin-trust/manifest.ts), not the file's text.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PluginManifest, SignedManifest } from "../functions/core/plugin-trust/index.js";

export const MANIFEST_FILE = "manifest.json";
export const SIGNATURE_FILE = "manifest.sig";

export function writeSignedManifest(
  dir: string,
  manifest: PluginManifest,
  signature: string,
): { manifestPath: string; signaturePath: string } {
  const manifestPath = join(dir, MANIFEST_FILE);
  const signaturePath = join(dir, SIGNATURE_FILE);
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(signaturePath, `${signature}\n`);
  return { manifestPath, signaturePath };
}

/** Reads both files; a missing or non-JSON file is reported with its path. */
export function readSignedManifest(dir: string): SignedManifest {
  const manifestPath = join(dir, MANIFEST_FILE);
  const signaturePath = join(dir, SIGNATURE_FILE);
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  } catch (error) {
    throw new Error(`${manifestPath}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : "not valid JSON"}`);
  }
  let signature: string;
  try {
    signature = readFileSync(signaturePath, "utf8").trim();
  } catch {
    throw new Error(`${signaturePath}: not found`);
  }
  return { manifest, signature };
}
