// CPU time of another process, per thread, from Linux's /proc (schedstat: nanoseconds on a CPU).
// The local stack runs its HTTP servers and workers on the main thread and the embedded dynalite
// in a worker thread, so the process total alone would count the store as the broker's.
import { readFileSync, readdirSync } from "node:fs";

export interface ThreadCpu {
  /** The main thread (the thread whose id is the process id), in ms. */
  readonly mainMs: number;
  /** Every thread of the process, in ms. */
  readonly totalMs: number;
}

export function threadCpu(pid: number): ThreadCpu {
  let mainMs = 0;
  let totalMs = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let ms: number;
    try {
      ms = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]) / 1e6;
    } catch {
      continue; // the thread ended between the listing and the read
    }
    totalMs += ms;
    if (Number(tid) === pid) mainMs = ms;
  }
  return { mainMs, totalMs };
}

export function cpuSince(pid: number, start: ThreadCpu): ThreadCpu {
  const now = threadCpu(pid);
  return { mainMs: now.mainMs - start.mainMs, totalMs: now.totalMs - start.totalMs };
}
