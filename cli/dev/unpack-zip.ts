// Unpacks a zip that has already been verified (signature by a trusted key, SHA-256) into `target`,
// whole or not at all: every entry is checked first (zip-entries.ts), the files go into a temporary
// sibling while the bytes actually inflated are counted against the limit, and one rename puts
// the folder in place. On any refusal nothing is left behind, not even the parent folders.
import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { DEFAULT_ZIP_LIMITS, inflateEntry, ZipRefusedError, zipEntries, type ZipLimits } from "./zip-entries.js";

export function unpackZip(zip: Buffer, target: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): void {
  const entries = zipEntries(zip, limits);
  const createdParent = mkdirSync(dirname(target), { recursive: true });
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    mkdirSync(temporary, { mode: 0o700 });
    let inflated = 0;
    for (const entry of entries) {
      // Names are relative, without "..", ".", backslashes or drive letters: join stays inside.
      const path = join(temporary, entry.name);
      if (entry.directory) {
        mkdirSync(path, { recursive: true });
        continue;
      }
      const data = inflateEntry(entry);
      inflated += data.length;
      if (inflated > limits.maxTotalBytes) throw new ZipRefusedError(`inflates to more than the limit of ${limits.maxTotalBytes} bytes`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, data, { flag: "wx" });
    }
    rmSync(target, { recursive: true, force: true });
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    if (createdParent) rmSync(createdParent, { recursive: true, force: true });
    throw error;
  }
}
