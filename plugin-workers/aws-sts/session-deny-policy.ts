// The inline policy that revokes single STS sessions of a role before they expire: a Deny of
// everything for the sessions' `aws:userid` (`<role id>:<session name>`, AssumedRoleId), valid
// only until they would have expired anyway. IAM evaluates a role's current policies on every
// request, so a session is cut off within seconds of the PutRolePolicy.
//
// Sessions are grouped by the hour they expire in: one statement per hour with `aws:CurrentTime`
// before its end, so statements of past hours can be pruned, and the document stays small (inline
// policies of a role share 10,240 characters: a full document is refused, never truncated).

export const REVOKED_SESSIONS_POLICY = "credvend-revoked-sessions";
/** IAM's limit for the aggregate inline policy size of a role (whitespace excluded). */
export const INLINE_POLICY_LIMIT = 10_240;
const HOUR_MS = 3_600_000;
const SID = /^RevokedUntil(\d{10})$/;

export interface RevokedSession {
  /** `AROA…:session-name`, the session's aws:userid. */
  readonly userId: string;
  readonly expiresAt: Date;
}

interface Statement {
  readonly Sid: string;
  readonly Effect: "Deny";
  readonly Action: "*";
  readonly Resource: "*";
  readonly Condition: { StringEquals: { "aws:userid": string[] }; DateLessThan: { "aws:CurrentTime": string } };
}

/** The sessions a document denies, with the end of their hour as expiry. Unknown statements are dropped. */
export function sessionsOf(document: string | undefined): RevokedSession[] {
  if (!document) return [];
  const parsed = JSON.parse(document) as { Statement?: unknown };
  const statements = Array.isArray(parsed.Statement) ? (parsed.Statement as Partial<Statement>[]) : [];
  return statements.flatMap((statement) => {
    const hour = SID.exec(statement.Sid ?? "")?.[1];
    const ids = statement.Condition?.StringEquals?.["aws:userid"];
    if (!hour || !Array.isArray(ids)) return [];
    return ids.map((userId) => ({ userId, expiresAt: new Date(Number(hour) * 1000) }));
  });
}

/** The document for `sessions` minus those expired before `now`; undefined when none is left. */
export function denyDocument(sessions: readonly RevokedSession[], now: Date): string | undefined {
  const byHour = new Map<number, Set<string>>();
  for (const { userId, expiresAt } of sessions) {
    if (expiresAt.getTime() <= now.getTime()) continue;
    const hourEnd = (Math.ceil(expiresAt.getTime() / HOUR_MS) * HOUR_MS) / 1000;
    byHour.set(hourEnd, (byHour.get(hourEnd) ?? new Set()).add(userId));
  }
  if (byHour.size === 0) return undefined;
  const Statement: Statement[] = [...byHour.entries()]
    .sort(([a], [b]) => a - b)
    .map(([hourEnd, ids]) => ({
      Sid: `RevokedUntil${hourEnd}`,
      Effect: "Deny",
      Action: "*",
      Resource: "*",
      Condition: {
        StringEquals: { "aws:userid": [...ids].sort() },
        DateLessThan: { "aws:CurrentTime": new Date(hourEnd * 1000).toISOString().replace(/\.\d{3}Z$/, "Z") },
      },
    }));
  return JSON.stringify({ Version: "2012-10-17", Statement });
}

/** Characters IAM counts against the inline limit. */
export function policySize(document: string): number {
  return document.replace(/\s/g, "").length;
}
