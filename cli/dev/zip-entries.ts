// The entries of an installed worker's zip (stored or DEFLATE, as deterministic-zip.ts writes and
// Lambda accepts), read from its central directory and refused unless every one is a plain file
// or folder with a safe relative name: no `..`, no absolute path, no backslash, no drive letter,
// no symlink or device, no duplicate (also not by case), no encrypted entry, within the limits.
// Only the declared sizes are known here; unpack-zip.ts counts the bytes actually inflated.
import { crc32, inflateRawSync } from "node:zlib";

export class ZipRefusedError extends Error {
  override readonly name = "ZipRefusedError";
}

export interface ZipLimits {
  readonly maxEntries: number;
  /** Total uncompressed bytes, declared and inflated. */
  readonly maxTotalBytes: number;
}

/** Lambda's own limits for a function's code: 250 MB unzipped; entries far fewer than any worker needs. */
export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntries: 10_000, maxTotalBytes: 262_144_000 };

export interface ZipEntry {
  /** Relative path with `/` separators; a folder ends with `/`. */
  readonly name: string;
  readonly directory: boolean;
  readonly method: 0 | 8;
  readonly crc: number;
  readonly size: number;
  readonly data: Buffer;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

export function zipEntries(zip: Buffer, limits: ZipLimits = DEFAULT_ZIP_LIMITS): ZipEntry[] {
  const end = endOfCentralDirectory(zip);
  const count = zip.readUInt16LE(end + 10);
  if (count === 0xffff || zip.readUInt32LE(end + 16) === 0xffffffff) throw new ZipRefusedError("zip64 archives are not accepted");
  if (count > limits.maxEntries) throw new ZipRefusedError(`${count} entries, more than the limit of ${limits.maxEntries}`);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  const seen: SeenNames = { names: new Set(), files: new Set(), folders: new Set() };
  let declared = 0;
  for (let i = 0; i < count; i++) {
    need(zip, at, 46);
    if (zip.readUInt32LE(at) !== CENTRAL) throw new ZipRefusedError("bad central directory");
    const nameLength = zip.readUInt16LE(at + 28);
    need(zip, at + 46, nameLength);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    const entry = centralEntry(zip, at, name);
    checkName(name, seen);
    declared += entry.size;
    if (declared > limits.maxTotalBytes)
      throw new ZipRefusedError(`declared uncompressed size over the limit of ${limits.maxTotalBytes} bytes`);
    entries.push(entry);
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

/** Inflates one entry, refusing more bytes than it declared (a bomb) or a CRC that does not match. */
export function inflateEntry(entry: ZipEntry): Buffer {
  let data: Buffer;
  try {
    data = entry.method === 0 ? entry.data : inflateRawSync(entry.data, { maxOutputLength: Math.max(entry.size, 1) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
      throw new ZipRefusedError(`${entry.name} inflates to more than its declared ${entry.size} bytes`);
    throw new ZipRefusedError(`${entry.name}: not valid DEFLATE data`);
  }
  if (data.length !== entry.size) throw new ZipRefusedError(`${entry.name} is ${data.length} bytes, not its declared ${entry.size}`);
  if (crc32(data) !== entry.crc) throw new ZipRefusedError(`${entry.name}: CRC mismatch`);
  return data;
}

function endOfCentralDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65535: search only there, from the end.
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (zip.readUInt32LE(at) === EOCD && at + 22 + zip.readUInt16LE(at + 20) === zip.length) return at;
  }
  throw new ZipRefusedError("not a zip (no end of central directory)");
}

function centralEntry(zip: Buffer, at: number, name: string): ZipEntry {
  const flags = zip.readUInt16LE(at + 8);
  const method = zip.readUInt16LE(at + 10);
  const crc = zip.readUInt32LE(at + 16);
  const compressedSize = zip.readUInt32LE(at + 20);
  const size = zip.readUInt32LE(at + 24);
  const madeBy = zip.readUInt16LE(at + 4) >> 8;
  const mode = zip.readUInt32LE(at + 38) >>> 16;
  const local = zip.readUInt32LE(at + 42);
  if (flags & 0x1) throw new ZipRefusedError(`${name} is encrypted`);
  if (method !== 0 && method !== 8) throw new ZipRefusedError(`${name} uses compression method ${method}`);
  if (compressedSize === 0xffffffff || size === 0xffffffff || local === 0xffffffff)
    throw new ZipRefusedError(`${name}: zip64 entries are not accepted`);
  const directory = name.endsWith("/");
  // Unix (3) keeps the file type in the high half of the external attributes: only plain files
  // and folders, so a symlink (0o120000) cannot point the unpacked tree outside its folder.
  const type = madeBy === 3 ? mode & S_IFMT : 0;
  if (type !== 0 && type !== (directory ? S_IFDIR : S_IFREG))
    throw new ZipRefusedError(`${name} is ${type === 0o120000 ? "a symlink" : "not a plain file or folder"}`);
  if (method === 0 && compressedSize !== size) throw new ZipRefusedError(`${name}: stored sizes differ`);
  need(zip, local, 30);
  if (zip.readUInt32LE(local) !== LOCAL) throw new ZipRefusedError(`${name}: bad local header`);
  const localNameLength = zip.readUInt16LE(local + 26);
  need(zip, local + 30, localNameLength);
  if (zip.toString("utf8", local + 30, local + 30 + localNameLength) !== name)
    throw new ZipRefusedError(`${name}: its local header names another file`);
  const dataStart = local + 30 + localNameLength + zip.readUInt16LE(local + 28);
  need(zip, dataStart, compressedSize);
  const data = zip.subarray(dataStart, dataStart + compressedSize);
  return { name, directory, method, crc, size: directory ? 0 : size, data };
}

interface SeenNames {
  readonly names: Set<string>;
  readonly files: Set<string>;
  readonly folders: Set<string>;
}

function checkName(name: string, seen: SeenNames): void {
  const shown = JSON.stringify(name);
  if (name === "" || name.includes("\0")) throw new ZipRefusedError(`entry ${shown}: empty name or NUL`);
  if (name.includes("\\")) throw new ZipRefusedError(`entry ${shown}: backslash in the name`);
  if (name.startsWith("/")) throw new ZipRefusedError(`entry ${shown}: absolute path`);
  if (/^[A-Za-z]:/.test(name)) throw new ZipRefusedError(`entry ${shown}: drive letter`);
  const parts = name.replace(/\/$/, "").split("/");
  if (parts.some((p) => p === ".." || p === "." || p === ""))
    throw new ZipRefusedError(`entry ${shown}: "..", "." or an empty part in the path`);
  // Case-folded, so two names cannot land on one file on a case-insensitive disk.
  const key = parts.join("/").toLowerCase();
  if (seen.names.has(key)) throw new ZipRefusedError(`entry ${shown}: duplicate name`);
  seen.names.add(key);
  const ancestors = parts.slice(0, -1).map((_, i) =>
    parts
      .slice(0, i + 1)
      .join("/")
      .toLowerCase(),
  );
  if (ancestors.some((folder) => seen.files.has(folder))) throw new ZipRefusedError(`entry ${shown}: a file of the zip is its folder`);
  for (const folder of ancestors) seen.folders.add(folder);
  if (name.endsWith("/")) seen.folders.add(key);
  else if (seen.folders.has(key)) throw new ZipRefusedError(`entry ${shown}: a file with the name of a folder of the zip`);
  else seen.files.add(key);
}

function need(zip: Buffer, at: number, length: number): void {
  if (at < 0 || at + length > zip.length) throw new ZipRefusedError("truncated zip");
}
