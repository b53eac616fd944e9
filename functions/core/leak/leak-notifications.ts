// The notifications of the leak handler: everything a human needs to act, never a secret.
import type { Notification, Urgency } from "../ports/notifier.js";
import type { CredentialRecord } from "../records.js";
import type { LeakDetection } from "./leak-detection.js";

// Short: an SNS subject holds under 100 characters, and the credential id is in the details.
const TITLES = {
  detected_after_expiry: "Leaked credential was already expired or invalidated",
  revoked_on_detection: "Leaked credential revoked automatically",
  manual_revoke_required: "ACTION REQUIRED: revoke a leaked credential by hand",
  revoke_failed: "ACTION REQUIRED: revoking a leaked credential failed",
} as const;

export type LeakNotificationKind = keyof typeof TITLES;

export function leakNotification(
  kind: LeakNotificationKind,
  urgency: Urgency,
  record: CredentialRecord,
  detection: LeakDetection,
  extra: Readonly<Record<string, string | undefined>> = {},
): Notification {
  const details: Record<string, string> = {};
  const put = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== "") details[name] = value;
  };
  put("credentialId", record.credentialId);
  put("provider", record.provider);
  put("worker", record.worker);
  put("scopes", record.scopes.join(" "));
  put("issuedAt", record.issuedAt);
  put("expiresAt", record.expiresAt);
  put("upstreamRef", record.upstreamRef);
  for (const [claim, value] of Object.entries(record.subject)) put(`subject.${claim}`, value);
  put("tokenHash", detection.tokenHash);
  put("leak.channel", detection.source.channel);
  put("leak.repository", detection.source.repository);
  put("leak.alertNumber", detection.source.alertNumber);
  put("leak.url", detection.source.url);
  put("leak.secretType", detection.source.secretType);
  put("leak.location", detection.source.location);
  for (const [name, value] of Object.entries(extra)) put(name, value);
  const repo = record.subject.repository ? ` of ${record.subject.repository}` : "";
  return { urgency, kind, title: `${TITLES[kind]}: ${record.provider} credential${repo}`, details };
}
