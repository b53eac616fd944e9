// Time ordering shared by every ledger implementation, so they all sort and bound events alike.
// ISO 8601 strings only sort as times in one fixed-width form: "…:00Z" sorts after "…:00.500Z"
// and offsets ("+02:00") do not sort at all. Keys and comparisons use the normalized UTC form;
// the caller's original string is what gets stored and returned.
import type { AuditEvent, TimeRange } from "../../core/records.js";

/** `2024-05-01T12:00:00.000Z` for any ISO 8601 timestamp; a RangeError for anything else. */
export function sortableTime(iso: string, what: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`${what} is not an ISO 8601 timestamp`);
  return new Date(ms).toISOString();
}

/** Time, then eventId for events in the same millisecond: the order every query returns. */
export function eventOrderKey(event: Pick<AuditEvent, "at" | "eventId">): string {
  return `${sortableTime(event.at, "event time")}#${event.eventId}`;
}

/** The normalized bounds of a range; `undefined` for an empty or reversed one. */
export function normalizeRange(range: TimeRange): { from: string; to: string } | undefined {
  const from = sortableTime(range.from, "range start");
  const to = sortableTime(range.to, "range end");
  return from < to ? { from, to } : undefined;
}

/** Whether an order key lies in [from, to): "<from>#id" ≥ "<from>", "<to>#id" > "<to>". */
export function orderKeyInRange(key: string, range: { from: string; to: string }): boolean {
  return key >= range.from && key < range.to;
}
