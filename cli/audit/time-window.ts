// `--since 24h --until 2026-11-28T12:00:00Z`: a window ending now by default. Relative values
// count back from now; absolute ones are ISO 8601 (a bare date is that day's UTC midnight).
import type { TimeRange } from "../../functions/core/records.js";
import { CliError } from "../cli-error.js";

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/** A point in time from `30m`, `24h`, `7d`, `2w` (ago) or an ISO 8601 timestamp. */
export function parseInstant(text: string, option: string, now: Date): Date {
  const relative = /^(\d+)([mhdw])$/.exec(text);
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]);
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return new Date(ms);
  }
  throw new CliError(`${option}: "${text}" is neither a duration ago (30m, 24h, 7d, 2w) nor an ISO 8601 time`, 2);
}

/** [since, until) from the options, `since` defaulting to `defaultSince` ago and `until` to now. */
export function timeWindow(
  options: { since?: string | undefined; until?: string | undefined },
  defaultSince: string,
  now: Date,
): TimeRange {
  const until = options.until === undefined ? now : parseInstant(options.until, "--until", now);
  const since = parseInstant(options.since ?? defaultSince, "--since", now);
  if (since.getTime() >= until.getTime()) throw new CliError("--since must be before --until", 2);
  return { from: since.toISOString(), to: until.toISOString() };
}
