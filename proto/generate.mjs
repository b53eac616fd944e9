#!/usr/bin/env node
// Generates TypeScript from proto/ with protoc + protoc-gen-es (offline, no remote plugins).
// Everything is generated into a temporary folder beside proto/gen first, so a missing protoc,
// plugin or well-known type leaves the committed code untouched; only a complete generation
// replaces proto/gen. `--check` generates into a temporary folder and fails when the committed
// code is stale.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const protoDir = join(root, "proto");
const outDir = join(protoDir, "gen");
const plugin = join(root, "node_modules", ".bin", "protoc-gen-es");
const protoc = process.env.PROTOC ?? "protoc";
const check = process.argv.includes("--check");
// Work folders beside proto/gen (same filesystem, so the swap is a rename); never read as sources.
const WORK_PREFIX = ".gen-";

function listFiles(dir, suffix) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (dir === protoDir && (name === "gen" || name.startsWith(WORK_PREFIX))) return [];
      return listFiles(path, suffix);
    }
    return path.endsWith(suffix) ? [path] : [];
  });
}

function fail(message, code = 1) {
  console.error(`generate: ${message}`);
  console.error("generate: proto/gen was left as it was.");
  process.exit(code);
}

/** What generation needs, checked before anything is written: protoc, the plugin. */
function checkTools() {
  const version = spawnSync(protoc, ["--version"], { encoding: "utf8" });
  if (version.error?.code === "ENOENT") {
    fail(`'${protoc}' not found. Install it (Debian: apt-get install protobuf-compiler libprotobuf-dev) or set PROTOC to its path.`, 2);
  }
  if (version.error || version.status !== 0) fail(`'${protoc} --version' failed: ${version.error?.message ?? version.stderr.trim()}`, 2);
  if (!existsSync(plugin)) fail(`${relative(root, plugin)} not found: run 'npm install' first (it installs @bufbuild/protoc-gen-es).`, 2);
}

/** Generates into `into`; on failure says why (a missing well-known type by name) and exits. */
function generate(into) {
  const sources = listFiles(protoDir, ".proto").map((p) => relative(protoDir, p));
  const run = spawnSync(
    protoc,
    [`--plugin=protoc-gen-es=${plugin}`, `--es_out=${into}`, "--es_opt=target=ts,import_extension=js", `-I${protoDir}`, ...sources],
    { encoding: "utf8" },
  );
  if (run.status === 0 && !run.error) return;
  rmSync(into, { recursive: true, force: true });
  const output = `${run.stderr ?? ""}${run.error ? run.error.message : ""}`.trim();
  process.stderr.write(`${output}\n`);
  const wellKnown = /google\/protobuf\/[\w/]+\.proto: File not found/.exec(output);
  if (wellKnown) {
    fail(
      `protoc cannot find the well-known type ${wellKnown[0].split(":")[0]} (it ships apart from protoc: Debian: apt-get install libprotobuf-dev).`,
      2,
    );
  }
  fail(`'${protoc}' failed (exit ${run.status ?? run.signal})`);
}

checkTools();
if (check) {
  const tmp = mkdtempSync(join(tmpdir(), "credvend-proto-"));
  generate(tmp);
  const fresh = listFiles(tmp, ".ts")
    .map((p) => relative(tmp, p))
    .sort();
  const committed = listFiles(outDir, ".ts")
    .map((p) => relative(outDir, p))
    .sort();
  const stale = fresh.filter(
    (f) => !existsSync(join(outDir, f)) || readFileSync(join(outDir, f), "utf8") !== readFileSync(join(tmp, f), "utf8"),
  );
  const extra = committed.filter((f) => !fresh.includes(f));
  rmSync(tmp, { recursive: true, force: true });
  if (stale.length || extra.length) {
    console.error(`generate --check: generated code is stale (${[...stale, ...extra].join(", ")}); run 'npm run generate' and commit.`);
    process.exit(1);
  }
  console.log(`generate --check: ${fresh.length} generated file(s) up to date`);
} else {
  const fresh = mkdtempSync(join(protoDir, `${WORK_PREFIX}new-`));
  // mkdtemp makes it private; proto/gen is an ordinary folder.
  chmodSync(fresh, 0o755 & ~process.umask());
  generate(fresh);
  const count = listFiles(fresh, ".ts").length;
  if (count === 0) {
    rmSync(fresh, { recursive: true, force: true });
    fail("protoc wrote no file");
  }
  // Swap: the old folder aside, the new one in, then the old one away. A failure in between puts the old one back.
  const old = `${fresh.replace(`${WORK_PREFIX}new-`, `${WORK_PREFIX}old-`)}`;
  if (existsSync(outDir)) renameSync(outDir, old);
  try {
    renameSync(fresh, outDir);
  } catch (error) {
    if (existsSync(old)) renameSync(old, outDir);
    rmSync(fresh, { recursive: true, force: true });
    fail(`could not move the generated code into proto/gen: ${error.message}`);
  }
  rmSync(old, { recursive: true, force: true });
  console.log(`generate: wrote ${count} file(s) into proto/gen`);
}
