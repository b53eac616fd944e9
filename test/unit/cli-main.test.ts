import { afterEach, describe, expect, it, vi } from "vitest";
import { main, usage } from "../../cli/main.js";
import { captureOutput } from "../support/capture-output.js";

describe("credvend CLI dispatch", () => {
  afterEach(() => vi.restoreAllMocks());
  const capture = captureOutput;

  it("prints usage and exits 2 with no command, 0 with --help", async () => {
    const io = capture();
    expect(await main([])).toBe(2);
    expect(await main(["--help"])).toBe(0);
    expect(io.out()).toContain("credvend dev token");
  });

  it("routes `help dev token` to the longest matching command's help", async () => {
    const io = capture();
    expect(await main(["help", "dev", "token"])).toBe(0);
    expect(io.out()).toContain("credvend dev token — mint an OIDC token");
  });

  it("an unknown command exits 2 with the usage on stderr", async () => {
    const io = capture();
    expect(await main(["frobnicate"])).toBe(2);
    expect(io.err()).toContain('unknown command "frobnicate"');
    expect(io.err()).toContain(usage().split("\n")[0]);
  });

  it("an unknown option is a usage error (exit 2), not a crash", async () => {
    const io = capture();
    expect(await main(["dev", "token", "--bogus"])).toBe(2);
    expect(io.err()).toContain("--bogus");
  });

  // Every group in the top-level usage, found from it, so a new group is checked without a new test.
  const usageCommands = usage()
    .split("\n")
    .map((line) => /^ {2}credvend ((?:[a-z-]+ )*[a-z-]+)\s{2,}/.exec(line)?.[1])
    .filter((words): words is string => words !== undefined && words !== "help");
  const groups = [...new Set(usageCommands.filter((words) => words.includes(" ")).map((words) => words.split(" ")[0] ?? ""))];

  it("finds the command groups in the usage (plugin, keys, registry, dev, audit)", () => {
    expect(groups).toEqual(expect.arrayContaining(["plugin", "keys", "registry", "dev", "audit"]));
  });

  for (const group of groups) {
    it(`group help: \`${group} --help\` and \`help ${group}\` list its commands, exit 0 (was: unknown command, exit 2)`, async () => {
      const members = usageCommands.filter((words) => words.startsWith(`${group} `));
      for (const argv of [
        [group, "--help"],
        ["help", group],
        [group, "-h"],
      ]) {
        const io = capture();
        expect(await main(argv)).toBe(0);
        for (const words of members) expect(io.out()).toContain(`credvend ${words} `);
        expect(io.err()).toBe("");
        vi.restoreAllMocks();
      }
    });
  }

  it("a bare group prints its commands and exits 2; an unknown command in a group shows that group's commands", async () => {
    const io = capture();
    expect(await main(["plugin"])).toBe(2);
    expect(io.out()).toContain("credvend plugin sign ");
    expect(await main(["plugin", "frobnicate"])).toBe(2);
    expect(io.err()).toContain('unknown command "plugin frobnicate"');
    expect(io.err()).toContain("credvend plugin verify ");
    expect(io.err()).not.toContain("credvend vend ");
  });

  it("`help <unknown>` names the unknown command, exit 2", async () => {
    const io = capture();
    expect(await main(["help", "frobnicate"])).toBe(2);
    expect(io.err()).toContain('unknown command "frobnicate"\n');
  });

  it("top-level help lists the audit questions", async () => {
    const io = capture();
    expect(await main(["--help"])).toBe(0);
    for (const question of ["token", "credential", "repo", "events", "anomalies"])
      expect(io.out()).toContain(`credvend audit ${question} `);
  });

  it("`audit token --help` is the audit command's help", async () => {
    const io = capture();
    expect(await main(["audit", "token", "--help"])).toBe(0);
    expect(io.out()).toContain("credvend audit — ask the ledger");
  });
});
