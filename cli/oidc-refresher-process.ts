// The refresher as a detached background process: it outlives the step that starts it (each
// workflow step is its own process) and lives until stopped, its directory is removed, or the
// runner ends the job's processes. It keeps the step's environment, so the runner still knows it
// as the job's and ends it at job end like any process the job left behind.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { REFRESH_LOG_FILE } from "./oidc-token-file.js";

type Env = Readonly<Record<string, string | undefined>>;

/** The CLI word (`credvend oidc-refresh`) the entry is started with. */
export const REFRESHER_COMMAND = "oidc-refresh";

export interface RefresherProcess {
  readonly pid: number;
  readonly dir: string;
}

/**
 * Starts `<entry...> oidc-refresh --dir DIR --audience AUD` under this Node, detached, its output
 * into DIR/refresh.log. `entry` is what runs the CLI here: cli/bin.js, or the Action's bundle.
 */
export function startRefresherProcess(options: { entry: readonly string[]; dir: string; audience: string; env: Env }): RefresherProcess {
  const log = openSync(join(options.dir, REFRESH_LOG_FILE), "a", 0o600);
  try {
    const child = spawn(process.execPath, [...options.entry, REFRESHER_COMMAND, "--dir", options.dir, "--audience", options.audience], {
      detached: true,
      stdio: ["ignore", log, log],
      env: { ...options.env, CREDVEND_OIDC_TOKEN: undefined },
    });
    child.unref();
    if (child.pid === undefined) throw new Error("the OIDC token refresher did not start");
    return { pid: child.pid, dir: options.dir };
  } finally {
    closeSync(log);
  }
}

const STOP_WAIT_MS = 5_000;

/**
 * Stops the refresher and deletes its directory (token and log); answers what it logged (its
 * problems, for the caller to report). Safe to call when it already stopped.
 */
export async function stopRefresherProcess(refresher: RefresherProcess): Promise<string[]> {
  const logFile = join(refresher.dir, REFRESH_LOG_FILE);
  const logged = existsSync(logFile)
    ? readFileSync(logFile, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
    : [];
  if (isRefresher(refresher)) {
    process.kill(refresher.pid, "SIGTERM");
    for (const until = Date.now() + STOP_WAIT_MS; isAlive(refresher.pid) && Date.now() < until; ) await sleep(50);
  }
  rmSync(refresher.dir, { recursive: true, force: true });
  return logged;
}

/** Alive and, where the system says (Linux's /proc), still our refresher: never another process that got its pid. */
function isRefresher({ pid, dir }: RefresherProcess): boolean {
  if (!isAlive(pid)) return false;
  if (!existsSync("/proc/self/cmdline")) return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(dir);
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: gone. EPERM: alive, but another user's, so certainly not ours.
    return false;
  }
}
