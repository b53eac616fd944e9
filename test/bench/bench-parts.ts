// The bench runs in parts (one table each); one part failing must not hide the others: on a
// fresh clone the vend-function part once died and no later table printed. Each part is run,
// a failure is printed under its name, and the run ends with a list of what failed (exit 1).

export interface BenchPart {
  readonly name: string;
  run(): Promise<void>;
}

/** Runs every part in order; returns the names of those that failed. */
export async function runBenchParts(parts: readonly BenchPart[], log: (line: string) => void = console.error): Promise<string[]> {
  const failed: string[] = [];
  for (const part of parts) {
    try {
      await part.run();
    } catch (error) {
      failed.push(part.name);
      log(`\n${part.name} — failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failed.length > 0)
    log(`\nbench: ${failed.length} of ${parts.length} part(s) failed (${failed.join(", ")}); every other table printed above`);
  return failed;
}
