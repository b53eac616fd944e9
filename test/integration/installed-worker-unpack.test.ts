// Verify, then unpack (issue #21, finding 2: zip-slip). A zip with any bad entry kind — `..`,
// absolute path, backslash, drive letter, symlink, duplicate name — or too many entries, or a bomb
// (declared sizes over the limit, or more bytes inflated than declared), is refused with nothing
// written anywhere. An installed worker whose manifest is signed by a key the operator does not
// trust (even if credvend.plugins.json records that key), or whose zip is not the signed code, is
// refused before a byte of it is unpacked.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { crc32, deflateRawSync } from "node:zlib";
import { beforeEach, describe, expect, it } from "vitest";
import { startInstalledWorkers } from "../../cli/dev/installed-workers.js";
import { unpackZip } from "../../cli/dev/unpack-zip.js";
import { ZipRefusedError } from "../../cli/dev/zip-entries.js";
import { writeSignedManifest } from "../../cli/signed-manifest-files.js";
import { codeSha256Of } from "../../functions/adapters/plugins/file-code-hash.js";
import { generateKeyPair, signManifest, TrustStore, type Ed25519KeyPair } from "../../functions/core/plugin-trust/index.js";
import type { Logger } from "../../functions/core/ports/logger.js";
import { deterministicZip } from "../../infra/deterministic-zip.js";

interface RawEntry {
  readonly name: string;
  readonly data?: Buffer;
  /** Unix mode in the external attributes (default a 0644 file). */
  readonly mode?: number;
  /** The uncompressed size the headers claim (default the real one). */
  readonly declaredSize?: number;
}

/** A zip written byte by byte, so it can say what no honest tool writes. */
function rawZip(entries: readonly RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const data = entry.data ?? Buffer.from("x");
    const compressed = deflateRawSync(data);
    const name = Buffer.from(entry.name, "utf8");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(entry.declaredSize ?? data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE((3 << 8) | 20, 4);
    local.copy(header, 6, 4, 30);
    header.writeUInt32LE(((entry.mode ?? 0o100644) << 16) >>> 0, 38);
    header.writeUInt32LE(offset, 42);
    parts.push(local, name, compressed);
    central.push(header, name);
    offset += 30 + name.length + compressed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

/** Every path under `dir` (folders too), with file bytes: "nothing written anywhere" is checked against it. */
function snapshot(dir: string): Record<string, string> {
  const seen: Record<string, string> = {};
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) {
        seen[`${relative(dir, path)}/`] = "";
        walk(path);
      } else seen[relative(dir, path)] = readFileSync(path).toString("base64");
    }
  };
  walk(dir);
  return seen;
}

let root = "";
let target = "";
beforeEach(() => {
  // The zip's would-be escapes land in root if anything leaks: root is what is compared.
  root = mkdtempSync(join(tmpdir(), "credvend-unpack-"));
  mkdirSync(join(root, "data"));
  writeFileSync(join(root, "data", "ledger"), "keep");
  target = join(root, "data", "installed", "evil", "run");
});

const good = { name: "index.mjs", data: Buffer.from("export const handler = () => ({ statusCode: 200 });\n") };

describe("unpackZip refuses every bad entry kind, writing nothing anywhere", () => {
  const cases: [string, RawEntry[], RegExp][] = [
    ["a .. path", [good, { name: "../../../escape.js" }], /"\.\."/],
    ["a .. inside the path", [good, { name: "lib/../../escape.js" }], /"\.\."/],
    ["an absolute path", [good, { name: "/tmp/escape.js" }], /absolute path/],
    ["a backslash", [good, { name: "..\\..\\escape.js" }], /backslash/],
    ["a drive letter", [good, { name: "C:/escape.js" }], /drive letter/],
    ["a bare drive letter", [good, { name: "c:escape.js" }], /drive letter/],
    ["a symlink", [good, { name: "link", data: Buffer.from("/etc/passwd"), mode: 0o120777 }], /symlink/],
    ["a device or other special file", [good, { name: "fifo", mode: 0o010644 }], /not a plain file or folder/],
    ["a duplicate name", [good, { name: "index.mjs", data: Buffer.from("export const handler = 1;") }], /duplicate name/],
    ["a duplicate name by case", [good, { name: "INDEX.mjs" }], /duplicate name/],
    ["a file that is also a folder", [good, { name: "lib" }, { name: "lib/x.js" }], /a file of the zip is its folder/],
  ];
  for (const [kind, entries, message] of cases) {
    it(`${kind}`, () => {
      const before = snapshot(root);
      expect(() => unpackZip(rawZip(entries), target)).toThrow(message);
      expect(snapshot(root)).toEqual(before);
    });
  }

  it("more entries than the limit", () => {
    const before = snapshot(root);
    const entries = Array.from({ length: 5 }, (_, i) => ({ name: `f${i}.js` }));
    expect(() => unpackZip(rawZip(entries), target, { maxEntries: 4, maxTotalBytes: 1_000_000 })).toThrow(
      /5 entries, more than the limit of 4/,
    );
    expect(snapshot(root)).toEqual(before);
  });

  it("a zip bomb that declares its size: over the limit before anything is inflated", () => {
    const before = snapshot(root);
    const entries = [good, { name: "big.bin", data: Buffer.alloc(10), declaredSize: 300_000_000 }];
    expect(() => unpackZip(rawZip(entries), target)).toThrow(/declared uncompressed size over the limit of 262144000 bytes/);
    expect(snapshot(root)).toEqual(before);
  });

  it("a zip bomb that lies about its size: inflation stops at the declared size, and what was unpacked is removed", () => {
    const before = snapshot(root);
    // 64 MiB of zeros deflate to ~64 KiB; the headers claim 1 KiB.
    const entries = [good, { name: "bomb.bin", data: Buffer.alloc(64 * 1024 * 1024), declaredSize: 1024 }];
    expect(() => unpackZip(rawZip(entries), target)).toThrow(/bomb\.bin inflates to more than its declared 1024 bytes/);
    expect(snapshot(root)).toEqual(before);
  });

  it("entries within their own sizes but together over the limit", () => {
    const before = snapshot(root);
    const entries = [good, { name: "a.bin", data: Buffer.alloc(600_000) }, { name: "b.bin", data: Buffer.alloc(600_000) }];
    expect(() => unpackZip(rawZip(entries), target, { maxEntries: 10, maxTotalBytes: 1_000_000 })).toThrow(ZipRefusedError);
    expect(snapshot(root)).toEqual(before);
  });

  it("unpacks a good zip whole, replacing what was there", () => {
    unpackZip(rawZip([{ name: "old.js" }]), target);
    unpackZip(deterministicZip([good, { name: "lib/util.js", data: Buffer.from("1") }]), target);
    expect(snapshot(target)).toEqual({
      "index.mjs": good.data.toString("base64"),
      "lib/": "",
      "lib/util.js": Buffer.from("1").toString("base64"),
    });
  });
});

describe("an installed worker is verified before a byte of it is unpacked", () => {
  const logged: { level: string; message: string; fields?: Readonly<Record<string, unknown>> }[] = [];
  const logger: Logger = { log: (level, message, fields) => logged.push({ level, message, ...(fields ? { fields } : {}) }) };

  /** A project with one installed worker (its zip would escape its folder) signed by `signer`. */
  async function project(signer: Ed25519KeyPair, zip: Buffer, recordedKey: Ed25519KeyPair): Promise<string> {
    const dir = join(root, "project");
    const pluginDir = join(dir, "plugins", "evil", "0.1.0");
    mkdirSync(pluginDir, { recursive: true });
    writeFileSync(join(pluginDir, "code.zip"), zip);
    const { manifest, signature } = await signManifest(
      {
        name: "evil",
        version: "0.1.0",
        protocol: "credvend.plugin.v1",
        protocolVersion: "1.1",
        providers: ["evil"],
        capabilities: ["validate", "vend"],
        codeSha256: codeSha256Of(rawZip([good, { name: "../../escape.js" }])),
        handler: "index.handler",
        runtime: "nodejs",
        environment: [],
        signedAt: new Date().toISOString(),
      },
      signer.privateKey,
      signer.publicKey,
    );
    writeSignedManifest(pluginDir, manifest, signature);
    const publisher = { keyId: recordedKey.keyId, publicKey: Buffer.from(recordedKey.publicKey).toString("base64") };
    writeFileSync(
      join(dir, "credvend.plugins.json"),
      JSON.stringify({
        version: 1,
        plugins: [{ name: "evil", version: "0.1.0", providers: ["evil"], publisher, dir: "plugins/evil/0.1.0", registry: "r" }],
      }),
    );
    return dir;
  }

  it("signed by a key the operator does not trust (the one credvend.plugins.json records): refused, nothing unpacked", async () => {
    const [trusted, attacker] = await Promise.all([generateKeyPair(), generateKeyPair()]);
    const dir = await project(attacker, rawZip([good, { name: "../../escape.js" }]), attacker);
    const before = snapshot(root);
    const trust = new TrustStore([{ keyId: trusted.keyId, publicKey: trusted.publicKey }]);
    const installed = await startInstalledWorkers({ pluginsFile: join(dir, "credvend.plugins.json"), runDir: target, trust, logger });
    await installed.close();
    expect(installed.registrations).toMatchObject([{ name: "evil", url: "http://127.0.0.1:9" }]);
    expect(installed.processes).toEqual([]);
    expect(logged.at(-1)).toMatchObject({
      level: "warn",
      message: "installed worker not started",
      fields: { worker: "evil", reason: expect.stringContaining(`publisher key ${attacker.keyId} is not in the trust store`) },
    });
    expect(snapshot(root)).toEqual(before);
  });

  it("signed by a trusted key, but its zip is not the signed code: refused, nothing unpacked", async () => {
    const publisher = await generateKeyPair();
    const dir = await project(publisher, rawZip([good, { name: "../../../escape2.js" }]), publisher);
    const before = snapshot(root);
    const trust = new TrustStore([{ keyId: publisher.keyId, publicKey: publisher.publicKey }]);
    const installed = await startInstalledWorkers({ pluginsFile: join(dir, "credvend.plugins.json"), runDir: target, trust, logger });
    expect(installed.processes).toEqual([]);
    expect(logged.at(-1)?.fields).toMatchObject({ reason: "its code.zip is not the signed code" });
    expect(snapshot(root)).toEqual(before);
  });

  it("signed by a trusted key and the signed code, but a bad entry: not started, nothing written", async () => {
    const publisher = await generateKeyPair();
    const dir = await project(publisher, rawZip([good, { name: "../../escape.js" }]), publisher);
    const before = snapshot(root);
    const trust = new TrustStore([{ keyId: publisher.keyId, publicKey: publisher.publicKey }]);
    const installed = await startInstalledWorkers({ pluginsFile: join(dir, "credvend.plugins.json"), runDir: target, trust, logger });
    expect(installed.registrations).toMatchObject([{ name: "evil", url: "http://127.0.0.1:9" }]);
    expect(installed.processes).toEqual([]);
    expect(logged.at(-1)?.fields).toMatchObject({
      reason: expect.stringMatching(/^its zip is refused: entry "\.\.\/\.\.\/escape\.js": "\.\."/),
    });
    expect(snapshot(root)).toEqual(before);
  });
});
