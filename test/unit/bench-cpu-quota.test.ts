// The memory-size bench holds the vend function to the CPU share its Lambda size buys
// (test/bench/cpu-quota.ts). Its table is only as honest as that limit: a process started through
// the launcher must get no more than its share, and the group must go away afterwards. An upper
// bound only (a loaded machine gives less, never more); skipped where no cgroup cpu controller is
// writable, with the reason.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cpuQuota } from "../bench/cpu-quota.js";

const quota = cpuQuota(20);
const unavailable = "unavailable" in quota ? quota.unavailable : undefined;
/** A process that spins for `wallMs` and prints the CPU time it got. */
const SPIN = (wallMs: number) =>
  `const end = Date.now() + ${wallMs}; while (Date.now() < end); const { user, system } = process.cpuUsage(); console.log((user + system) / 1000)`;

describe.skipIf(unavailable !== undefined)(`the bench's CPU quota${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  it("a process started through the launcher runs for no more than its share of one CPU", () => {
    if ("unavailable" in quota) return;
    quota.set(0.25);
    const [command, ...args] = [...quota.launcher, process.execPath, "-e", SPIN(1000)];
    const started = performance.now();
    const cpuMs = Number(execFileSync(command!, args, { encoding: "utf8" }).trim());
    const wallMs = performance.now() - started;
    // Node's start is held too, so the share is of the whole process's life; a period's quota
    // handed out in a slice may run over by a few ms.
    expect(cpuMs).toBeGreaterThan(0);
    expect(cpuMs).toBeLessThan(0.25 * wallMs * 1.1 + 10);
  });

  it("refuses a share the kernel cannot enforce, naming the period to lengthen", () => {
    if ("unavailable" in quota) return;
    expect(() => quota.set(0.01)).toThrow(/under the kernel's 1 ms: lengthen BENCH_CPU_PERIOD_MS/);
    expect(() => quota.set(1.5)).toThrow(/not in \(0, 1\]/);
  });

  it("close removes the group", () => {
    if ("unavailable" in quota) return;
    const dir = quota.launcher.at(-1)!.replace(/\/cgroup\.procs$/, "");
    expect(existsSync(dir)).toBe(true);
    quota.close();
    expect(existsSync(dir)).toBe(false);
  });
});
