// The deployable Python zip carries everything it imports (issue #24): the SDK, the protocol's
// generated code and protobuf's pure-Python google/protobuf with its license, so Lambda's Python
// runtime needs nothing else. Proved by unpacking the built zip and running its Lambda handler
// under interpreters that have no protobuf at all (-I -S: no site-packages), on Function URL events
// through the core's own gRPC-web client.
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zipEntries } from "../../cli/dev/zip-entries.js";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { buildWorker } from "../../infra/build-workers.js";
import { startPythonLambda, type PythonLambda } from "../support/python-lambda-process.js";
import { VEND_ROLE_ARN, VEND_SESSION_ARN } from "../unit/plugin-sdk-lambda-fetch.js";

const ROOT = join(import.meta.dirname, "../..");
const PYTHON = process.env.CREDVEND_PYTHON ?? "/usr/bin/python3";
const probe = spawnSync(PYTHON, ["-c", "import google.protobuf"], { encoding: "utf8" });
const missing = probe.error ? `${PYTHON} not found` : probe.status !== 0 ? "python3-protobuf is not installed" : undefined;
const skip = missing !== undefined && process.env.CREDVEND_REQUIRE_PYTHON_WORKER !== "1";
// Another CPython, nearer Lambda's newest runtime than Debian's, where pyenv has one.
const OTHER_PYTHON = process.env.CREDVEND_OTHER_PYTHON ?? "/root/.pyenv/versions/3.13.0/bin/python3";
const FUNCTION_URL = "https://abc.lambda-url.eu-west-1.on.aws";

describe.skipIf(skip)(`the deployable Python zip${skip ? ` (skipped: ${missing})` : ""}`, () => {
  const tmp = mkdtempSync(join(tmpdir(), "credvend-python-lambda-"));
  const dir = join(tmp, "task");
  let zip: Buffer;
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  beforeAll(async () => {
    const built = await buildWorker(join(ROOT, "plugin-workers/python-example"), join(tmp, "dist"));
    zip = readFileSync(built.zipPath);
    // Unpacked by another reader than ours (Python's zipfile), as Lambda unpacks it into /var/task.
    const unzip = spawnSync(PYTHON, ["-I", "-S", "-m", "zipfile", "-e", built.zipPath, dir], { encoding: "utf8" });
    expect(unzip.status, unzip.stderr).toBe(0);
  });

  it("vendors protobuf's .py files and its license, no compiled extension", () => {
    const names = zipEntries(zip).map((e) => e.name);
    expect(names).toContain("google/");
    expect(names).toContain("google/protobuf/__init__.py");
    expect(names).toContain("google/protobuf/internal/python_message.py");
    expect(names.filter((n) => n.startsWith("google/") && !/(\.py|\/|\/LICENSE)$/.test(n))).toEqual([]);
    const license = readFileSync(join(dir, "google/protobuf/LICENSE"), "utf8");
    expect(license).toContain("Google Inc.");
    expect(license).toContain("Redistribution and use in source and binary forms");
  });

  const interpreters = [
    { label: `${PYTHON} -I -S`, python: PYTHON, absent: undefined },
    { label: `${OTHER_PYTHON} -I -S`, python: OTHER_PYTHON, absent: existsSync(OTHER_PYTHON) ? undefined : `${OTHER_PYTHON} not found` },
  ];
  for (const { label, python, absent } of interpreters) {
    describe.skipIf(absent !== undefined)(`under ${label}${absent ? ` (skipped: ${absent})` : ""}`, () => {
      let lambda: PythonLambda | undefined;
      afterAll(() => lambda?.close());

      it("has no protobuf of its own: the zip's is the only one", () => {
        const bare = spawnSync(python, ["-I", "-S", "-c", "import google.protobuf"], { encoding: "utf8", cwd: tmp });
        expect(bare.status).not.toBe(0);
        expect(bare.stderr).toContain("ModuleNotFoundError: No module named 'google'");
      });

      it("answers Describe and Prepare framed as gRPC-web in Function URL events, protobuf as pure Python from the zip", async () => {
        const env = { PATH: "/usr/bin:/bin", CREDVEND_ALLOWED_CALLERS: JSON.stringify([VEND_ROLE_ARN]) };
        lambda = await startPythonLambda(python, dir, env);
        expect(lambda.ready.implementation).toBe("python");
        expect(lambda.ready.protobuf).toBe(join(dir, "google/protobuf/__init__.py"));
        const client = new GrpcWebPluginClient({
          name: "python-example",
          baseUrl: FUNCTION_URL,
          maxRetries: 0,
          fetch: lambda.fetchAs(VEND_SESSION_ARN),
        });
        expect(await client.describe()).toMatchObject({
          name: "python-example",
          protocol: "credvend.plugin.v1",
          providers: ["pyex"],
          capabilities: ["validate", "serialize", "prepare", "vend"],
        });
        const prepared = await client.prepare({
          scopes: [{ provider: "pyex", action: "read", resource: "Reports" }],
          subject: { repository: "acme/web", ref: "refs/heads/main" },
          ttlSeconds: 300,
        });
        expect(prepared.validations.map((v) => v.normalized)).toEqual([{ provider: "pyex", action: "read", resource: "reports" }]);
        expect(new TextDecoder().decode(prepared.serialized?.serialized)).toBe('["read:reports"]');
        // The caller check runs as well: a session of another role is refused before the worker.
        const stranger = await lambda.fetchAs("arn:aws:sts::123456789012:assumed-role/intruder/s")(
          `${FUNCTION_URL}/credvend.plugin.v1.PluginService/Describe`,
          { method: "POST", headers: { "content-type": "application/grpc-web+proto" }, body: new Uint8Array(5) },
        );
        expect(stranger.status).toBe(403);
      });
    });
  }

  it("vendors only package folders by name: a namespace or a single module is refused, and nothing of it runs", async () => {
    const source = join(tmp, "not-a-package");
    cpSync(join(ROOT, "plugin-workers/python-example"), source, { recursive: true });
    const info = JSON.parse(readFileSync(join(source, "plugin.json"), "utf8")) as { vendor: string[] };
    // The SDK where it is: the copy sits elsewhere.
    info.vendor = info.vendor.map((v) => (v.startsWith("python:") ? v : join(ROOT, "plugin-workers/python-example", v)));
    for (const module of ["google", "json.decoder", "antigravity"]) {
      writeFileSync(join(source, "plugin.json"), JSON.stringify({ ...info, vendor: [...info.vendor, `python:${module}`] }));
      await expect(buildWorker(source, join(tmp, "dist-not"))).rejects.toThrow(
        `vendor python:${module}: not a package folder with an __init__.py`,
      );
    }
  });

  it("refuses to build without protobuf for the build's Python, saying how to install it", async () => {
    const bare = join(tmp, "bare-python");
    writeFileSync(bare, `#!/bin/sh\nexec ${PYTHON} -I -S "$@"\n`);
    chmodSync(bare, 0o755);
    const before = process.env.CREDVEND_PYTHON;
    process.env.CREDVEND_PYTHON = bare;
    try {
      await expect(buildWorker(join(ROOT, "plugin-workers/python-example"), join(tmp, "dist-bare"))).rejects.toThrow(
        `vendor python:google.protobuf: ${bare} cannot import google.protobuf (apt-get install python3-protobuf, or pip install protobuf;`,
      );
    } finally {
      if (before === undefined) delete process.env.CREDVEND_PYTHON;
      else process.env.CREDVEND_PYTHON = before;
    }
  });
});
