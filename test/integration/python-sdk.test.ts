// The Python SDK's own unit tests (plugin-workers/python-sdk/tests, unittest), run by npm test, and
// the package as an author installs it (`pip install ./plugin-workers/python-sdk`). Skipped with
// the reason where Python or python3-protobuf is absent; CI sets CREDVEND_REQUIRE_PYTHON_WORKER=1
// and installs both, so there it may not skip.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const SDK = join(import.meta.dirname, "../../plugin-workers/python-sdk");
const PYTHON = process.env.CREDVEND_PYTHON ?? "/usr/bin/python3";
const probe = spawnSync(PYTHON, ["-c", "import google.protobuf"], { encoding: "utf8" });
const missing = probe.error ? `${PYTHON} not found` : probe.status !== 0 ? "python3-protobuf is not installed" : undefined;
const skip = missing !== undefined && process.env.CREDVEND_REQUIRE_PYTHON_WORKER !== "1";
// Without the byte-code cache the tests leave nothing in the tree.
const ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin", PYTHONDONTWRITEBYTECODE: "1" };

describe.skipIf(skip)(`python SDK${skip ? ` (skipped: ${missing})` : ""}`, () => {
  it("passes its own unit tests (caller check, protocol over loopback, Lambda handler)", () => {
    const run = spawnSync(PYTHON, ["-m", "unittest", "discover", "-s", "tests", "-t", ".", "-v"], { cwd: SDK, encoding: "utf8", env: ENV });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^OK$/m);
    const ran = Number(/^Ran (\d+) tests? in /m.exec(run.stderr)?.[1]);
    expect(ran).toBeGreaterThanOrEqual(28);
    // The security cases the issue names are among them, and passed.
    expect(run.stderr).toMatch(/^test_a_role_not_in_the_allowed_callers_is_refused .* \.\.\. ok$/m);
    expect(run.stderr).toMatch(/^test_calls_without_or_with_a_wrong_secret_are_refused .* \.\.\. ok$/m);
  });

  it("installs with pip (standard library + protobuf only) and imports from anywhere", () => {
    const dir = mkdtempSync(join(tmpdir(), "credvend-pysdk-"));
    try {
      // A copy, so the build leaves nothing in the repository.
      cpSync(SDK, join(dir, "sdk"), { recursive: true, filter: (p) => !p.includes("__pycache__") });
      const venv = join(dir, "venv");
      const steps = [
        [PYTHON, ["-m", "venv", "--system-site-packages", venv]],
        [join(venv, "bin/pip"), ["install", "-q", "--no-deps", "--no-build-isolation", "--no-index", join(dir, "sdk")]],
        [
          join(venv, "bin/python"),
          ["-c", "import credvend_worker as w, credvend.plugin.v1.plugin_pb2 as pb; print(w.PROTOCOL_VERSION, pb.DESCRIPTOR.package)"],
        ],
      ] as const;
      let out = "";
      for (const [command, args] of steps) {
        const run = spawnSync(command, args, { cwd: dir, encoding: "utf8", env: ENV });
        expect(run.status, `${command}: ${run.stderr}`).toBe(0);
        out = run.stdout;
      }
      expect(out.trim()).toBe("1.2 credvend.plugin.v1");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
