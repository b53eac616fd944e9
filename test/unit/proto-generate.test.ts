// `npm run generate` (proto/generate.mjs) run on a copy of proto/ beside the repository's
// node_modules: whatever it lacks (protoc, the plugin, the well-known types) or whatever protoc
// refuses, the committed proto/gen stays byte for byte as it was, the message says what to
// install, and the exit code is non-zero. A normal run writes exactly the committed files.
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { onPath } from "../support/watched-process.js";
import { REPO_ROOT } from "../support/run-action.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A repository root holding a copy of proto/ (gen included) and, unless told not to, node_modules. */
function copyOfProto(options: { nodeModules?: boolean } = {}): string {
  const root = mkdtempSync(join(tmpdir(), "credvend-generate-"));
  dirs.push(root);
  cpSync(join(REPO_ROOT, "proto"), join(root, "proto"), { recursive: true });
  if (options.nodeModules !== false) symlinkSync(join(REPO_ROOT, "node_modules"), join(root, "node_modules"));
  return root;
}

/** Every file under dir with its content: what "untouched" compares. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else files[relative(dir, path)] = readFileSync(path, "utf8");
    }
  };
  walk(dir);
  return files;
}

function generate(root: string, env: Record<string, string>, args: string[] = []) {
  const run = spawnSync(process.execPath, [join(root, "proto", "generate.mjs"), ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const committed = snapshot(join(REPO_ROOT, "proto", "gen"));
const protoDirEntries = (root: string) => readdirSync(join(root, "proto")).sort();

describe("npm run generate without what it needs (regression: generate without protoc deleted proto/gen)", () => {
  it("PROTOC naming a missing binary: proto/gen untouched, says to install protoc, exit 2", () => {
    const root = copyOfProto();
    const result = generate(root, { PROTOC: join(root, "no-such-protoc") });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("not found. Install it (Debian: apt-get install protobuf-compiler");
    expect(result.stderr).toContain("proto/gen was left as it was");
    expect(snapshot(join(root, "proto", "gen"))).toEqual(committed);
    expect(protoDirEntries(root)).toEqual(["credvend", "gen", "generate.mjs"]);
  });

  it("no protoc on PATH: proto/gen untouched, exit 2", () => {
    const root = copyOfProto();
    const emptyBin = join(root, "bin");
    mkdirSync(emptyBin);
    const result = generate(root, { PATH: emptyBin });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("'protoc' not found");
    expect(snapshot(join(root, "proto", "gen"))).toEqual(committed);
  });

  it("no protoc-gen-es (npm install not run): proto/gen untouched, says to run npm install, exit 2", () => {
    const root = copyOfProto({ nodeModules: false });
    const result = generate(root, {});
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/protoc-gen-es not found: run 'npm install' first/);
    expect(snapshot(join(root, "proto", "gen"))).toEqual(committed);
  });

  it.skipIf(!onPath("protoc"))("protoc without the well-known types: proto/gen untouched, names the missing file and its package", () => {
    const root = copyOfProto();
    // protoc looks for the well-known types beside its own binary (<bin>/../include): a copy
    // elsewhere has none, as a protoc installed without libprotobuf-dev.
    const bin = join(root, "lonely", "bin");
    mkdirSync(bin, { recursive: true });
    const protocPath = spawnSync("sh", ["-c", "command -v protoc"], { encoding: "utf8" }).stdout.trim();
    copyFileSync(protocPath, join(bin, "protoc"));
    spawnSync("chmod", ["+x", join(bin, "protoc")]);
    const result = generate(root, { PROTOC: join(bin, "protoc") });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("cannot find the well-known type google/protobuf/timestamp.proto");
    expect(result.stderr).toContain("libprotobuf-dev");
    expect(snapshot(join(root, "proto", "gen"))).toEqual(committed);
    expect(protoDirEntries(root)).toEqual(["credvend", "gen", "generate.mjs"]);
  });

  it.skipIf(!onPath("protoc"))("a .proto protoc refuses: proto/gen untouched, exit 1", () => {
    const root = copyOfProto();
    writeFileSync(join(root, "proto", "credvend", "broken.proto"), 'syntax = "proto3";\nmessage {\n');
    const result = generate(root, {});
    expect(result.code).toBe(1);
    expect(snapshot(join(root, "proto", "gen"))).toEqual(committed);
    expect(protoDirEntries(root)).toEqual(["credvend", "gen", "generate.mjs"]);
  });
});

describe.skipIf(!onPath("protoc"))("npm run generate with protoc", () => {
  it("writes exactly the committed files, leaves no work folder, and --check agrees", () => {
    const root = copyOfProto();
    rmSync(join(root, "proto", "gen"), { recursive: true });
    const result = generate(root, {});
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`wrote ${Object.keys(committed).length} file(s) into proto/gen`);
    expect(snapshot(join(root, "proto", "gen"))).toEqual(committed);
    expect(protoDirEntries(root)).toEqual(["credvend", "gen", "generate.mjs"]);
    expect(generate(root, {}, ["--check"]).code).toBe(0);
  });

  it("--check fails on stale code and changes nothing", () => {
    const root = copyOfProto();
    const [first] = Object.keys(committed);
    writeFileSync(join(root, "proto", "gen", first!), "// stale\n");
    const before = snapshot(join(root, "proto", "gen"));
    const result = generate(root, {}, ["--check"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("generated code is stale");
    expect(snapshot(join(root, "proto", "gen"))).toEqual(before);
  });
});
