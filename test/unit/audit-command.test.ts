// `credvend audit`'s argument errors: each a usage error (exit 2) naming what is wrong, found before
// any ledger is opened; the progress line; the time window.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { progressLine } from "../../cli/audit/query-progress.js";
import { timeWindow } from "../../cli/audit/time-window.js";
import { runCli } from "../support/capture-output.js";

describe("credvend audit arguments", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "credvend-audit-args-"));
  const cases: { name: string; argv: string[]; code: number; message: string }[] = [
    { name: "a bad --since", argv: ["events", "--since", "yesterday"], code: 2, message: '--since: "yesterday" is neither a duration ago' },
    { name: "since after until", argv: ["events", "--since", "1h", "--until", "2h"], code: 2, message: "--since must be before --until" },
    { name: "a repository without owner", argv: ["repo", "acme"], code: 2, message: '"acme" is not owner/name' },
    { name: "an unknown event type", argv: ["events", "--type", "vend,vended"], code: 2, message: 'unknown event type "vended"' },
    { name: "a zero limit", argv: ["events", "--limit", "0"], code: 2, message: '--limit: "0" is not a positive whole number' },
    { name: "json and ndjson", argv: ["events", "--json", "--ndjson"], code: 2, message: "choose one" },
    { name: "an unknown question", argv: ["secrets"], code: 2, message: 'unknown question "secrets"' },
    { name: "token without argument", argv: ["token"], code: 2, message: "missing the secret" },
    { name: "no ledger named", argv: ["events"], code: 2, message: "which ledger? --table NAME" },
    { name: "--data-dir with --table", argv: ["events", "--data-dir", dataDir, "--table", "t"], code: 2, message: "drop --table" },
    { name: "a data dir with no ledger", argv: ["events", "--data-dir", join(dataDir, "none")], code: 5, message: "no local ledger under" },
  ];
  for (const { name, argv, code, message } of cases) {
    it(`${name}: exit ${code}, says so`, async () => {
      const saved = process.env.CREDVEND_LEDGER_TABLE;
      delete process.env.CREDVEND_LEDGER_TABLE;
      try {
        const run = await runCli(["audit", ...argv]);
        expect(run.code).toBe(code);
        expect(run.err).toContain(message);
      } finally {
        if (saved !== undefined) process.env.CREDVEND_LEDGER_TABLE = saved;
      }
    });
  }

  it("--help prints the usage with every question", async () => {
    const run = await runCli(["audit", "--help"]);
    expect(run.code).toBe(0);
    for (const question of ["audit token -", "audit credential <id>", "audit repo <owner/name>", "audit events"]) {
      expect(run.out).toContain(question);
    }
  });
});

describe("audit time window", () => {
  const now = new Date("2026-11-28T12:00:00.000Z");
  it("counts durations back from now and takes ISO times as given", () => {
    expect(timeWindow({ since: "7d" }, "24h", now)).toEqual({ from: "2026-11-21T12:00:00.000Z", to: now.toISOString() });
    expect(timeWindow({ since: "2026-11-01", until: "2026-11-02T06:00:00Z" }, "24h", now)).toEqual({
      from: "2026-11-01T00:00:00.000Z",
      to: "2026-11-02T06:00:00.000Z",
    });
    expect(timeWindow({}, "24h", now).from).toBe("2026-11-27T12:00:00.000Z");
  });
});

describe("audit progress line", () => {
  it("shows on a terminal once a query takes a moment, and erases itself", () => {
    let clock = 0;
    let written = "";
    const line = progressLine({ write: (text) => (written += text), interactive: true, delayMs: 400, now: () => clock });
    line.update({ pages: 1, scanned: 200 });
    expect(written).toBe("");
    clock = 500;
    line.update({ pages: 3, scanned: 600 });
    expect(written).toContain("reading the ledger… 3 pages, 600 items");
    line.done();
    expect(written.endsWith("\r\x1b[2K")).toBe(true);
  });

  it("shows nothing when stderr is not a terminal (pipes and CI logs stay clean)", () => {
    let written = "";
    const line = progressLine({ write: (text) => (written += text), interactive: false, delayMs: 0, now: () => 10_000 });
    line.update({ pages: 9, scanned: 9 });
    line.done();
    expect(written).toBe("");
  });
});
