// The anomaly rules over a stretch of history (`credvend audit anomalies`): each vend and denial in
// the range judged against its repository's events in the lookback before it — exactly what the
// change-stream consumer does as each event arrives, replayed.
import type { AuditEvent, CredentialRecord } from "../records.js";
import { type Anomaly, evaluateAnomalies, type LeakWindow } from "./anomaly-rules.js";
import type { AnomalyThresholds } from "./thresholds.js";

/** When a leaked credential was live: from its detection until it expired or was revoked. */
export function leakWindow(record: CredentialRecord): LeakWindow | undefined {
  if (!record.detection) return undefined;
  const revokedAt = record.outcome === "revoked_on_detection" ? record.outcomeAt : undefined;
  const until = revokedAt && revokedAt < record.expiresAt ? revokedAt : record.expiresAt;
  return { credentialId: record.credentialId, from: record.detection.detectedAt, until };
}

/**
 * Anomalies of the events in [from, to). `events` must reach back `lookbackDays` before `from`
 * (the history of the first ones); `leaks` by repository.
 */
export function findAnomalies(
  events: readonly AuditEvent[],
  range: { readonly from: string; readonly to: string },
  leaks: ReadonlyMap<string, readonly LeakWindow[]>,
  thresholds: AnomalyThresholds,
): Anomaly[] {
  const lookbackMs = thresholds.lookbackDays * 86_400_000;
  const byRepository = new Map<string, AuditEvent[]>();
  for (const event of events) {
    const repository = event.repository ?? event.subject?.repository;
    if (!repository) continue;
    byRepository.set(repository, [...(byRepository.get(repository) ?? []), event]);
  }
  const found: Anomaly[] = [];
  for (const [repository, list] of byRepository) {
    const sorted = [...list].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    let start = 0;
    sorted.forEach((event, i) => {
      const at = Date.parse(event.at);
      if (at < Date.parse(range.from) || at >= Date.parse(range.to)) return;
      while (start < i && Date.parse((sorted[start] as AuditEvent).at) < at - lookbackMs) start++;
      found.push(...evaluateAnomalies({ event, history: sorted.slice(start, i), leaks: leaks.get(repository) ?? [], thresholds }));
    });
  }
  return found.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}
