// A zip whose bytes depend only on the files' names and contents: entries sorted by name, every
// timestamp 1980-01-01 00:00 (the earliest a zip can say), fixed permissions (0644; 0755 for a
// folder entry, a name ending in "/", stored empty), no extra fields, raw DEFLATE at level 9. Building twice from the same files gives the same bytes, so the
// signed codeSha256 can be reproduced by anyone from the same source.
import { crc32, deflateRawSync } from "node:zlib";

export interface ZipEntry {
  /** Forward slashes, no leading slash, no `..`; a folder entry ends with `/` and has no data. */
  readonly name: string;
  readonly data: Uint8Array;
}

const DOS_TIME = 0; // 00:00:00
const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
const UNIX_FILE_0644 = (0o100644 << 16) >>> 0;
// The Unix mode, and MS-DOS's directory attribute (0x10) in the low byte, as Python's zipfile writes.
const UNIX_FOLDER_0755 = ((0o040755 << 16) | 0x10) >>> 0;
const VERSION_NEEDED = 20;
const MADE_BY_UNIX = (3 << 8) | VERSION_NEEDED;
const STORED = 0;
const DEFLATE = 8;

export function deterministicZip(entries: readonly ZipEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [i, entry] of sorted.entries()) {
    if (!/^[^/][\x20-\x7e]*$/.test(entry.name) || entry.name.split("/").includes(".."))
      throw new Error(`zip: bad entry name "${entry.name}"`);
    if (i > 0 && sorted[i - 1]!.name === entry.name) throw new Error(`zip: duplicate entry "${entry.name}"`);
    const folder = entry.name.endsWith("/");
    if (folder && entry.data.length > 0) throw new Error(`zip: folder entry "${entry.name}" with data`);
    const name = Buffer.from(entry.name, "utf8");
    const compressed = folder ? Buffer.alloc(0) : deflateRawSync(entry.data, { level: 9 });
    const { local, central } = entryHeaders(name.length, crc32(entry.data), compressed.length, entry.data.length, offset, folder);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(sorted.length, 8);
  end.writeUInt16LE(sorted.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The local file header and the central directory header of one entry; every variable field is fixed. */
function entryHeaders(
  nameLength: number,
  crc: number,
  compressedSize: number,
  size: number,
  offset: number,
  folder: boolean,
): { local: Buffer; central: Buffer } {
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(VERSION_NEEDED, 4);
  local.writeUInt16LE(0, 6); // flags
  local.writeUInt16LE(folder ? STORED : DEFLATE, 8);
  local.writeUInt16LE(DOS_TIME, 10);
  local.writeUInt16LE(DOS_DATE, 12);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(compressedSize, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(nameLength, 26);
  local.writeUInt16LE(0, 28); // extra length
  const central = Buffer.alloc(46); // comment length, disk number, internal attributes: 0
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(MADE_BY_UNIX, 4);
  local.copy(central, 6, 4, 30); // version needed .. extra length, as in the local header
  central.writeUInt32LE(folder ? UNIX_FOLDER_0755 : UNIX_FILE_0644, 38);
  central.writeUInt32LE(offset, 42);
  return { local, central };
}
