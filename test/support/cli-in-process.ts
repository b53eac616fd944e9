// The CLI run in this process (its main(), output captured): faster than a child process where a
// test needs many commands and no separate environment.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { vi } from "vitest";
import { main } from "../../cli/main.js";
import { captureOutput } from "./capture-output.js";

export async function runCliInProcess(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureOutput();
  try {
    const code = await main(argv);
    return { code, out: io.out(), err: io.err() };
  } finally {
    vi.restoreAllMocks();
  }
}

/** Every file under `dir` with its bytes: what "nothing changed on disk" is checked against. */
export function snapshotTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = readFileSync(path).toString("base64");
    }
  };
  walk(dir);
  return files;
}
