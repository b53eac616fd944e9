// `credvend plugin init --lang python` in a temp dir, then every next step it prints, as an author
// runs them: its unittest passes, plugin sign builds its zip (SDK vendored) and signs it, plugin
// verify accepts it, the signed zip runs on loopback with a caller secret, and the conformance kit
// passes against it.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { createCallerSecret } from "../../cli/dev/worker-caller-secret.js";
import { runCli } from "../support/capture-output.js";

const PYTHON = process.env.CREDVEND_PYTHON ?? "/usr/bin/python3";
const probe = spawnSync(PYTHON, ["-c", "import google.protobuf"], { encoding: "utf8" });
const missing = probe.error ? `${PYTHON} not found` : probe.status !== 0 ? "python3-protobuf is not installed" : undefined;
const skip = missing !== undefined && process.env.CREDVEND_REQUIRE_PYTHON_WORKER !== "1";

function startZip(zip: string, secret: string): Promise<{ child: ChildProcess; url: string }> {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", CREDVEND_CALLER_SECRET: secret, PYTHONDONTWRITEBYTECODE: "1" };
  const child = spawn(PYTHON, [zip, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"], env });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`worker exited with ${code}`)));
    createInterface({ input: child.stdout! }).once("line", (line) => {
      const url = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)?.[1];
      if (url) resolve({ child, url });
      else reject(new Error(`unexpected first line: ${line}`));
    });
  });
}

describe.skipIf(skip)(`credvend plugin init --lang python${skip ? ` (skipped: ${missing})` : ""}`, () => {
  const tmp = mkdtempSync(join(tmpdir(), "credvend-init-python-"));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("creates a worker that passes its tests, signs, verifies and passes the conformance kit", async () => {
    const dir = join(tmp, "acme-widgets");
    const init = await runCli(["plugin", "init", "acme-widgets", "--lang", "python", "--provider", "acme", "--dir", dir]);
    expect(init.code, init.err).toBe(0);
    expect(init.out).toContain("worker acme-widgets (provider acme, python) is ready");
    const info = JSON.parse(readFileSync(join(dir, "plugin.json"), "utf8")) as { name: string; providers: string[]; vendor: string[] };
    expect(info).toMatchObject({ name: "acme-widgets", providers: ["acme"] });
    // The SDK from this repository wherever the worker is, and protobuf as the build's Python has it.
    expect(info.vendor).toEqual([
      expect.stringMatching(/^(\.\.\/)+.*plugin-workers\/python-sdk\/credvend_worker$/),
      expect.stringMatching(/^(\.\.\/)+.*plugin-workers\/python-sdk\/credvend$/),
      "python:google.protobuf",
    ]);

    // The printed steps, in order, are the ones run below.
    const steps = init.out.slice(init.out.indexOf("Next:"));
    const shown = relative(process.cwd(), dir);
    expect(steps).toContain(`python3 -m unittest discover -s ${shown}`);
    expect(steps).toContain(`npx credvend plugin sign --key .credvend/keys/publisher.key ${shown}`);
    expect(steps).toContain("npx credvend plugin verify --trust .credvend/keys/publisher.pub.json dist/workers/acme-widgets");
    expect(steps).toContain("python3 dist/workers/acme-widgets/code.zip --port 18080 &");
    expect(steps).toContain("npx credvend plugin conformance --url http://127.0.0.1:18080 --scope acme:read:example");

    const tests = spawnSync(PYTHON, ["-m", "unittest", "discover", "-s", dir], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PYTHONDONTWRITEBYTECODE: "1" },
    });
    expect(tests.status, tests.stderr).toBe(0);
    expect(tests.stderr).toMatch(/^Ran 3 tests in .*\n\nOK$/m);

    const keys = join(tmp, "keys");
    expect((await runCli(["keys", "generate", "--out", keys])).code).toBe(0);
    const signed = await runCli(["plugin", "sign", "--key", join(keys, "publisher.key"), "--out", join(tmp, "dist"), dir]);
    expect(signed.code, signed.err).toBe(0);
    const built = join(tmp, "dist", "acme-widgets");
    const verified = await runCli(["plugin", "verify", "--trust", join(keys, "publisher.pub.json"), built]);
    expect(verified.code, verified.out).toBe(0);

    const secret = createCallerSecret();
    const started = await startZip(join(built, "code.zip"), secret);
    child = started.child;
    const previous = process.env.CREDVEND_CALLER_SECRET;
    process.env.CREDVEND_CALLER_SECRET = secret; // as the printed steps export it
    try {
      const kit = await runCli(["plugin", "conformance", "--url", started.url, "--scope", "acme:read:example"]);
      expect(kit.code, kit.out).toBe(0);
      expect(kit.out).toMatch(/^PASS describe: acme-widgets 0\.1\.0, credvend\.plugin\.v1 1\.2, providers acme/m);
      expect(kit.out).toMatch(/^conformant: 13 passed, 0 failed, 2 skipped$/m);
    } finally {
      if (previous === undefined) delete process.env.CREDVEND_CALLER_SECRET;
      else process.env.CREDVEND_CALLER_SECRET = previous;
    }
  }, 60_000);
});
