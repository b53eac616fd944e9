#!/usr/bin/env node
// Generates TypeScript from proto/ with protoc + protoc-gen-es (offline, no remote plugins).
// `--check` generates into a temporary folder and fails when the committed code is stale.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const protoDir = join(root, "proto");
const outDir = join(protoDir, "gen");
const plugin = join(root, "node_modules", ".bin", "protoc-gen-es");
const protoc = process.env.PROTOC ?? "protoc";
const check = process.argv.includes("--check");

function listFiles(dir, suffix) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "gen" && dir === protoDir ? [] : listFiles(path, suffix);
    return path.endsWith(suffix) ? [path] : [];
  });
}

function generate(into) {
  const sources = listFiles(protoDir, ".proto").map((p) => relative(protoDir, p));
  try {
    execFileSync(
      protoc,
      [`--plugin=protoc-gen-es=${plugin}`, `--es_out=${into}`, "--es_opt=target=ts,import_extension=js", `-I${protoDir}`, ...sources],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
  } catch (err) {
    if (err.code === "ENOENT") {
      console.error(`generate: '${protoc}' not found. Install it (Debian: apt-get install protobuf-compiler) or set PROTOC.`);
      process.exit(2);
    }
    process.exit(1);
  }
}

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
  rmSync(outDir, { recursive: true, force: true });
  execFileSync("mkdir", ["-p", outDir]);
  generate(outDir);
  console.log(`generate: wrote ${listFiles(outDir, ".ts").length} file(s) into proto/gen`);
}
