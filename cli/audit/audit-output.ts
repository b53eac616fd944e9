// How `credvend audit` prints: a table for people (rows streamed as they are read, fixed columns),
// one JSON document (`--json`) or one JSON object per line (`--ndjson`) for tools. Nothing printed
// is secret: records and events hold hashes and claims only.
import type { AuditEvent, CredentialRecord } from "../../functions/core/records.js";

export type OutputFormat = "table" | "json" | "ndjson";

export interface Printer {
  /** The credential a query is about (token, credential), before its events. */
  credential(record: CredentialRecord, extra: Readonly<Record<string, string>>): void;
  event(event: AuditEvent): void;
  /** Closes the output: `empty` says no event was printed. */
  end(summary: Readonly<Record<string, unknown>>): void;
}

// Widths include two spaces between columns. TIME fits a full ISO time with its Z, TYPE the
// longest event type, CREDENTIAL its title (the cell is the id's first 8 characters); only the
// free-text columns (`cut`) are shortened, with an ellipsis, never a time or a type.
const COLUMNS = [
  { title: "TIME", width: "2026-11-28T15:56:43.471Z".length + 2 },
  { title: "TYPE", width: "worker_unsigned".length + 2 },
  { title: "REPOSITORY", width: 28, cut: true },
  { title: "REF", width: 22, cut: true },
  { title: "ACTOR", width: 14, cut: true },
  { title: "CREDENTIAL", width: "CREDENTIAL".length + 2 },
  { title: "WHAT", width: 0 },
] as const;

export function createPrinter(format: OutputFormat, write: (text: string) => void, now: Date): Printer {
  if (format === "ndjson") {
    return {
      credential: (record, extra) => write(`${JSON.stringify({ kind: "credential", ...extra, ...record })}\n`),
      event: (event) => write(`${JSON.stringify({ kind: "event", ...event })}\n`),
      end: () => undefined,
    };
  }
  if (format === "json") {
    let credential: Record<string, unknown> | undefined;
    const events: AuditEvent[] = [];
    return {
      credential: (record, extra) => {
        credential = { ...extra, ...record };
      },
      event: (event) => events.push(event),
      end: (summary) => write(`${JSON.stringify({ ...summary, ...(credential ? { credential } : {}), events }, null, 2)}\n`),
    };
  }
  let rows = 0;
  return {
    credential: (record, extra) => write(credentialBlock(record, extra, now)),
    event: (event) => {
      if (rows++ === 0) write(`${row(COLUMNS.map((c) => c.title))}\n`);
      write(`${row(eventCells(event))}\n`);
    },
    end: (summary) => {
      // Nothing found is said once, by the note (no "(no events)" above "no such credential").
      if (summary.found === false) {
        write(`${String(summary.note ?? "not found")}: ${String(summary.credentialId ?? summary.tokenHash ?? "")}\n`);
        return;
      }
      if (rows === 0) write("(no events)\n");
      const notes = Object.entries(summary).filter(([name]) => name !== "found");
      if (notes.length > 0) write(`\n${notes.map(([name, value]) => `${name}: ${String(value)}`).join("  ")}\n`);
    },
  };
}

/** A table whose columns are as wide as their widest cell plus two spaces (the last one free). */
export function textTable(titles: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = titles.map((title, i) => Math.max(title.length, ...rows.map((cells) => cells[i]?.length ?? 0)) + 2);
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("")
      .trimEnd();
  return `${[titles, ...rows].map(line).join("\n")}\n`;
}

function row(cells: readonly string[]): string {
  return cells
    .map((cell, i) => {
      const column = COLUMNS[i];
      if (!column || column.width === 0) return cell;
      const room = column.width - 2;
      const fitted = "cut" in column && cell.length > room ? `${cell.slice(0, room - 1)}…` : cell;
      // A cell wider than its column still keeps two spaces before the next one.
      return `${fitted}  `.padEnd(column.width);
    })
    .join("")
    .trimEnd();
}

function eventCells(event: AuditEvent): string[] {
  const subject = event.subject ?? {};
  return [
    event.at,
    event.type,
    event.repository ?? subject.repository ?? "-",
    subject.ref ?? "-",
    subject.actor ?? "-",
    event.credentialId ? event.credentialId.slice(0, 8) : "-",
    what(event),
  ];
}

/** The event's gist in one cell: its reason, scopes and the details that matter. */
function what(event: AuditEvent): string {
  const parts: string[] = [];
  if (event.reason) parts.push(event.reason);
  const details = event.details ?? {};
  if (details.denied) parts.push(`denied ${details.denied}`);
  else if (event.scopes?.length) parts.push(event.scopes.join(" "));
  for (const name of ["tag", "outcome", "channel", "worker", "ttlSeconds", "identity", "grantedBy", "refusedBy"]) {
    if (details[name] && !(name === "worker" && event.type === "vend")) parts.push(`${name}=${details[name]}`);
  }
  return parts.join("  ") || "-";
}

function credentialBlock(record: CredentialRecord, extra: Readonly<Record<string, string>>, now: Date): string {
  const subject = record.subject;
  const lines: [string, string][] = [
    ...Object.entries(extra),
    ["credential", record.credentialId],
    ["provider", `${record.provider} (worker ${record.worker})`],
    ["scopes", record.scopes.join(" ")],
    ["repository", subject.repository ?? "-"],
    ["workflow", subject.workflow ?? subject.job_workflow_ref ?? "-"],
    ["ref", subject.ref ?? "-"],
    ["run", [subject.run_id, subject.run_attempt && `attempt ${subject.run_attempt}`].filter(Boolean).join(", ") || "-"],
    ["actor", subject.actor ?? "-"],
    ["issued", record.issuedAt],
    ["expires", `${record.expiresAt} (${lifetime(record, now)})`],
    ["state", [record.state, record.revocable ? "revocable" : "not revocable"].join(", ")],
  ];
  if (record.outcome) lines.push(["outcome", `${record.outcome}${record.outcomeAt ? ` at ${record.outcomeAt}` : ""}`]);
  if (record.detection) lines.push(["detected", record.detection.detectedAt]);
  if (record.manualRevocationUrl) lines.push(["revoke by hand", record.manualRevocationUrl]);
  lines.push(["upstream ref", record.upstreamRef || "-"]);
  const width = Math.max(...lines.map(([name]) => name.length)) + 2;
  return `${lines.map(([name, value]) => `${name.padEnd(width)}${value}`).join("\n")}\n\n`;
}

/** Live and how long, or why not: a revoked credential is not "live" whatever its expiry says. */
function lifetime(record: CredentialRecord, now: Date): string {
  if (record.state === "revoked") return record.revokedAt ? `revoked at ${record.revokedAt}` : "revoked";
  // The broker revokes it at revokeAt when the provider's credential outlives the granted TTL.
  const end = Math.min(Date.parse(record.expiresAt), record.revokeAt ? Date.parse(record.revokeAt) : Number.POSITIVE_INFINITY);
  const left = end - now.getTime();
  if (left <= 0) return "expired";
  const minutes = Math.ceil(left / 60_000);
  const until = end < Date.parse(record.expiresAt) ? ` until the broker revokes it at ${record.revokeAt}` : "";
  const live = `live, ${minutes >= 120 ? `${Math.round(minutes / 60)}h` : `${minutes}m`} left${until}`;
  return record.state === "active" ? live : `${live} unless the ${record.state} revocation completes`;
}
