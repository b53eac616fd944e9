// The deterministic zip and `npm run build:workers`: the same source gives the same bytes, so a
// signed codeSha256 can be reproduced by anyone.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { codeSha256Of } from "../../functions/adapters/plugins/file-code-hash.js";
import { describePlugin } from "../../plugin-workers/sdk/index.js";
import { createLocalTokensWorker } from "../../plugin-workers/local-tokens/worker.js";
import { MemoryLocalTokenStore } from "../../plugin-workers/local-tokens/memory-store.js";
import { buildWorker, readWorkerPackage, workerDirs } from "../../infra/build-workers.js";
import { deterministicZip } from "../../infra/deterministic-zip.js";

// CI installs it (.ci/run); the python-example worker needs it anyway.
const PYTHON = process.env.CREDVEND_PYTHON ?? "/usr/bin/python3";
const LOCAL_TOKENS = join(import.meta.dirname, "../../plugin-workers/local-tokens");

describe("deterministic zip", () => {
  it("gives the same bytes whatever the input order, and a readable archive", () => {
    const a = { name: "index.mjs", data: new TextEncoder().encode("export const handler = 1;\n") };
    const b = { name: "lib/util.mjs", data: new TextEncoder().encode("export const x = 2;\n") };
    const one = deterministicZip([a, b]);
    expect(deterministicZip([b, a]).equals(one)).toBe(true);
    expect(one.subarray(0, 4).toString("hex")).toBe("504b0304");
    const dir = mkdtempSync(join(tmpdir(), "credvend-zip-"));
    const zip = join(dir, "a.zip");
    writeFileSync(zip, one);
    // An independent reader, python's zipfile: CRCs, sizes, names, times and modes as intended.
    const listing = execFileSync(PYTHON, [
      "-c",
      "import sys,zipfile;z=zipfile.ZipFile(sys.argv[1]);assert z.testzip() is None;print([(i.filename,i.date_time,oct(i.external_attr>>16),z.read(i).decode()) for i in z.infolist()])",
      zip,
    ]).toString();
    expect(listing).toContain("('index.mjs', (1980, 1, 1, 0, 0, 0), '0o100644', 'export const handler = 1;\\n')");
    expect(listing).toContain("'lib/util.mjs'");
  });

  it("writes a folder entry (a namespace package's, for zipimport) stored empty as a 0755 folder, and refuses one with data", () => {
    const dir = mkdtempSync(join(tmpdir(), "credvend-zip-"));
    const zip = join(dir, "a.zip");
    const init = { name: "google/protobuf/__init__.py", data: new TextEncoder().encode("x = 1\n") };
    writeFileSync(zip, deterministicZip([init, { name: "google/", data: new Uint8Array() }]));
    const listing = execFileSync(PYTHON, [
      "-c",
      "import sys,zipfile;z=zipfile.ZipFile(sys.argv[1]);assert z.testzip() is None;print([(i.filename,i.is_dir(),oct(i.external_attr>>16),i.compress_type,i.file_size) for i in z.infolist()])",
      zip,
    ]).toString();
    expect(listing.trim()).toBe("[('google/', True, '0o40755', 0, 0), ('google/protobuf/__init__.py', False, '0o100644', 8, 6)]");
    // zipimport finds the namespace package through the folder entry.
    const imported = execFileSync(PYTHON, [
      "-I",
      "-S",
      "-c",
      `import sys;sys.path.insert(0,sys.argv[1]);import google.protobuf as p;print(p.x)`,
      zip,
    ]);
    expect(imported.toString().trim()).toBe("1");
    expect(() => deterministicZip([{ name: "google/", data: new Uint8Array([1]) }])).toThrow(/folder entry "google\/" with data/);
  });

  it("refuses names that would escape the archive or repeat", () => {
    expect(() => deterministicZip([{ name: "../x", data: new Uint8Array() }])).toThrow(/bad entry name/);
    expect(() => deterministicZip([{ name: "/x", data: new Uint8Array() }])).toThrow(/bad entry name/);
    expect(() =>
      deterministicZip([
        { name: "x", data: new Uint8Array() },
        { name: "x", data: new Uint8Array([1]) },
      ]),
    ).toThrow(/duplicate/);
  });
});

describe("build:workers", () => {
  it("building a worker twice gives identical bytes", async () => {
    const first = await buildWorker(LOCAL_TOKENS, mkdtempSync(join(tmpdir(), "credvend-build-")));
    const second = await buildWorker(LOCAL_TOKENS, mkdtempSync(join(tmpdir(), "credvend-build-")));
    const bytes = readFileSync(first.zipPath);
    expect(readFileSync(second.zipPath).equals(bytes)).toBe(true);
    expect(first.codeSha256).toBe(codeSha256Of(bytes));
    expect(first.codeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it("every worker's plugin.json says what its Describe says", () => {
    const described = describePlugin(createLocalTokensWorker({ store: new MemoryLocalTokenStore() }));
    const info = readWorkerPackage(LOCAL_TOKENS);
    expect({ name: info.name, version: info.version, providers: info.providers, capabilities: [...info.capabilities].sort() }).toEqual({
      name: described.name,
      version: described.version,
      providers: described.providers,
      capabilities: [...described.capabilities].sort(),
    });
    expect(workerDirs().map((d) => d.split("/").at(-1))).toContain("local-tokens");
  });
});
