// What the anomaly rules need to judge one event: its repository's events in the lookback before
// it (one paged Query of the byRepository index) and that repository's leaked credentials with
// the times they were live (a GetItem per detected credential: few, and usually none).
import { leakWindow } from "../../core/anomalies/anomaly-history.js";
import type { LeakWindow } from "../../core/anomalies/anomaly-rules.js";
import type { AnomalyThresholds } from "../../core/anomalies/thresholds.js";
import type { CredentialLedger } from "../../core/ports/credential-ledger.js";
import type { AuditEvent } from "../../core/records.js";
import type { DynamoDbAuditReader } from "./dynamodb-audit-reader.js";

export interface RepositoryContext {
  readonly history: readonly AuditEvent[];
  readonly leaks: readonly LeakWindow[];
}

export async function repositoryContext(
  reader: DynamoDbAuditReader,
  ledger: Pick<CredentialLedger, "getCredential">,
  repository: string,
  at: string,
  thresholds: AnomalyThresholds,
): Promise<RepositoryContext> {
  const from = new Date(Date.parse(at) - thresholds.lookbackDays * 86_400_000).toISOString();
  const history: AuditEvent[] = [];
  for await (const event of reader.byRepository(repository, { from, to: at })) history.push(event);
  return { history, leaks: await leakWindows(ledger, history) };
}

/** The leak windows of the credentials that `detect` events in `events` name. */
export async function leakWindows(ledger: Pick<CredentialLedger, "getCredential">, events: readonly AuditEvent[]): Promise<LeakWindow[]> {
  const detected = [...new Set(events.filter((e) => e.type === "detect" && e.credentialId).map((e) => e.credentialId as string))];
  const records = await Promise.all(detected.map((id) => ledger.getCredential(id)));
  return records.flatMap((record) => {
    const window = record && leakWindow(record);
    return window ? [window] : [];
  });
}
