// What the dev GitHub stand-in must remember across restarts of `npm start`, as GitHub would:
// one JSON file per concern under its data dir, written whole (temp file + rename, 0600) so a
// crash mid-write leaves the previous version. Dev scale: a few hundred entries at most.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface JsonState<T> {
  readonly value: T;
  /** Writes the current value to disk (after each change). */
  save(): void;
}

/** Loads `<dir>/<name>` (or `initial` when absent or unreadable) and keeps it in memory. */
export function jsonState<T>(dir: string, name: string, initial: () => T): JsonState<T> {
  const path = join(dir, name);
  let value: T = initial();
  if (existsSync(path)) {
    try {
      value = { ...value, ...(JSON.parse(readFileSync(path, "utf8")) as T) };
    } catch {
      // A damaged file is replaced at the next save; the stand-in never refuses to start over it.
    }
  }
  return {
    value,
    save() {
      const temp = `${path}.${process.pid}.tmp`;
      writeFileSync(temp, `${JSON.stringify(value)}\n`, { mode: 0o600 });
      renameSync(temp, path);
    },
  };
}
