// Reads a `Server-Timing` header the way a browser or a bench would, refusing anything that is not
// `name;dur=<ms>` entries separated by commas (https://www.w3.org/TR/server-timing/).
import { expect } from "vitest";

const ENTRY = /^([a-z][a-z0-9-]*);dur=(\d+(?:\.\d+)?)$/;

/** The entries in order, each name once; fails the test on a malformed header. */
export function parseServerTiming(header: string | null): Map<string, number> {
  expect(header, "Server-Timing header").toBeTruthy();
  const entries = new Map<string, number>();
  for (const part of (header ?? "").split(",").map((p) => p.trim())) {
    const match = ENTRY.exec(part);
    expect(match, `malformed Server-Timing entry "${part}"`).not.toBeNull();
    expect(entries.has(match![1]!), `"${match![1]}" twice`).toBe(false);
    entries.set(match![1]!, Number(match![2]));
  }
  return entries;
}

/** The stages add up to no more than the total (each rounded to 0.01 ms: that much slack each). */
export function expectStagesWithinTotal(entries: Map<string, number>): void {
  const total = entries.get("total");
  expect(total, "total entry").toBeDefined();
  expect([...entries.keys()].at(-1)).toBe("total");
  const stages = [...entries].filter(([name]) => name !== "total");
  const sum = stages.reduce((acc, [, ms]) => acc + ms, 0);
  expect(sum).toBeLessThanOrEqual(total! + 0.005 * stages.length);
}
