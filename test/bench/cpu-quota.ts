// A CPU share for one child process, enforced the way Lambda enforces a function's (CPU in
// proportion to memory): the kernel's CFS bandwidth control on a cgroup of its own. In each period
// the group may run `fraction` of one CPU; past that its threads wait for the next period. The
// period Lambda uses is not published: the kernel's default (100 ms) unless BENCH_CPU_PERIOD_MS.
// Needs a writable cgroup cpu controller (root, or a delegated cgroup v2): where there is none,
// the reason instead, and the bench part that needs it says so.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface CpuQuota {
  /** How the share is enforced, for the bench's output. */
  readonly how: string;
  /** Sets the share, 0 < fraction ≤ 1, for processes started from now on and those inside. */
  set(fraction: number): void;
  /** A command-line prefix that starts a process inside the group (its pid joins before it runs). */
  readonly launcher: readonly string[];
  /** Removes the group (every process in it must have exited). */
  close(): void;
}

/** The kernel refuses a quota under 1 ms. */
const MIN_QUOTA_US = 1000;
const CGROUP_ROOT = "/sys/fs/cgroup";

export function cpuQuota(periodMs: number): CpuQuota | { unavailable: string } {
  const periodUs = Math.round(periodMs * 1000);
  const name = `credvend-bench-${process.pid}`;
  const v2 = existsSync(join(CGROUP_ROOT, "cgroup.controllers"));
  const own = ownCgroup(v2);
  const base = v2 ? join(CGROUP_ROOT, own ?? "/") : v1CpuMount();
  if (!base) return { unavailable: "no cgroup cpu controller is mounted (cgroup v1 cpu or v2 cpu.max)" };
  const dir = join(base, v2 ? "" : (own ?? "/"), name);
  try {
    mkdirSync(dir);
  } catch (error) {
    return { unavailable: `cannot create a cgroup in ${base} (${(error as NodeJS.ErrnoException).code ?? String(error)}): run as root` };
  }
  const write = (file: string, text: string) => writeFileSync(join(dir, file), text);
  const set = (fraction: number) => {
    if (!(fraction > 0 && fraction <= 1)) throw new Error(`CPU fraction ${fraction} is not in (0, 1]`);
    const quotaUs = Math.round(fraction * periodUs);
    if (quotaUs < MIN_QUOTA_US)
      throw new Error(
        `a ${periodMs} ms period gives ${fraction.toFixed(3)} CPU a ${quotaUs} µs quota, under the kernel's 1 ms: lengthen BENCH_CPU_PERIOD_MS`,
      );
    if (v2) write("cpu.max", `${quotaUs} ${periodUs}`);
    else {
      write("cpu.cfs_period_us", String(periodUs));
      write("cpu.cfs_quota_us", String(quotaUs));
    }
  };
  try {
    set(1);
  } catch (error) {
    rmdirSync(dir);
    return { unavailable: `cannot set a CPU quota in ${dir} (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
  return {
    how: v2
      ? `cgroup v2 CFS bandwidth (cpu.max = fraction × ${periodMs} ms per ${periodMs} ms period)`
      : `cgroup v1 CFS bandwidth (cpu.cfs_quota_us = fraction × cpu.cfs_period_us, period ${periodMs} ms)`,
    set,
    launcher: ["/bin/sh", "-c", 'echo $$ > "$1" && shift && exec "$@"', "sh", join(dir, "cgroup.procs")],
    close: () => rmdirSync(dir),
  };
}

/** This process's cgroup path: v2's `0::/path`, or v1's line whose controllers include cpu. */
function ownCgroup(v2: boolean): string | undefined {
  for (const line of readFileSync("/proc/self/cgroup", "utf8").split("\n")) {
    const [, controllers, path] = line.split(":");
    if (path === undefined) continue;
    if (v2 ? controllers === "" : controllers?.split(",").includes("cpu")) return path;
  }
  return undefined;
}

function v1CpuMount(): string | undefined {
  return ["cpu", "cpu,cpuacct", "cpuacct,cpu"]
    .map((name) => join(CGROUP_ROOT, name))
    .find((dir) => existsSync(join(dir, "cpu.cfs_quota_us")));
}
