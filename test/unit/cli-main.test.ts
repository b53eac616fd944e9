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
});
