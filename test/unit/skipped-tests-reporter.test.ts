// Regression: a skipped test names its reason in its title, yet vitest's default output showed
// only "4 skipped". The project's vitest config (test/vitest.config.ts) runs on a small fixture
// in a process of its own: every skipped test is listed by its full title, and vitest's closing
// summary (what CI reads) still ends the output.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { REPO_ROOT } from "../support/run-action.js";

// Under the repository (gitignored .cache) so the fixture resolves vitest from its node_modules.
const dir = join(REPO_ROOT, ".cache", `skipped-reporter-${randomUUID()}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("npm test's output lists each skipped test by its full title, before vitest's closing summary (regression: only '4 skipped')", () => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "fixture.test.ts"),
    `import { describe, expect, it } from "vitest";
it("runs", () => expect(1).toBe(1));
it.skip("single — skipped: no frobnicator on PATH", () => {});
describe.skip("group — skipped: moto_server is not on PATH", () => { it("inner", () => {}); });
`,
  );
  // The project's config as is, pointed at the fixture only.
  writeFileSync(
    join(dir, "vitest.config.ts"),
    `import base from ${JSON.stringify(join(REPO_ROOT, "test", "vitest.config.ts"))};
export default { ...base, test: { ...base.test, root: ${JSON.stringify(dir)}, include: ["fixture.test.ts"] } };
`,
  );
  const run = spawnSync(
    process.execPath,
    [join(REPO_ROOT, "node_modules", "vitest", "vitest.mjs"), "run", "--config", join(dir, "vitest.config.ts")],
    {
      cwd: dir,
      encoding: "utf8",
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? "", HOME: dir, NO_COLOR: "1" },
    },
  );
  expect(run.status, run.stderr).toBe(0);
  const lines = run.stdout.split("\n").map((line) => line.trim());
  const listed = lines.indexOf("Skipped tests (2), each with its reason in its title:");
  expect(listed).toBeGreaterThan(-1);
  expect(lines.slice(listed + 1, listed + 3)).toEqual([
    "↓ fixture.test.ts > single — skipped: no frobnicator on PATH",
    "↓ fixture.test.ts > group — skipped: moto_server is not on PATH > inner",
  ]);
  const summary = lines.findIndex((line) => /^Tests\s+1 passed \| 2 skipped \(3\)$/.test(line));
  expect(summary).toBeGreaterThan(listed);
  expect(lines.filter((line) => line !== "").at(-1)).toMatch(/^Duration /);
});
