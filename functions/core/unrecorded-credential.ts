// The alert for a credential a worker issued that the ledger could not record and that could not
// be revoked either: it lives until it expires, and neither leak response nor forensics know it.
import type { Notification } from "./ports/notifier.js";
import type { CredentialRecord } from "./records.js";

export const UNRECORDED_CREDENTIAL = "unrecorded_credential";

/** Everything a human needs to revoke it by hand, and the hashes a later leak report would carry; never the secret. */
export function unrecordedCredentialAlert(record: CredentialRecord, revokeError: string): Notification {
  const details: Record<string, string> = {
    credentialId: record.credentialId,
    provider: record.provider,
    worker: record.worker,
    upstreamRef: record.upstreamRef,
    scopes: record.scopes.join(" "),
    issuedAt: record.issuedAt,
    expiresAt: record.expiresAt,
    revokeError,
    tokenHashes: record.tokenHashes.join(" "),
  };
  if (record.manualRevocationUrl) details["manualRevocationUrl"] = record.manualRevocationUrl;
  for (const [claim, value] of Object.entries(record.subject)) details[`subject.${claim}`] = value;
  // Short: an SNS subject holds under 100 characters.
  return {
    urgency: "high",
    kind: UNRECORDED_CREDENTIAL,
    title: `ACTION REQUIRED: revoke an unrecorded ${record.provider} credential by hand`,
    details,
  };
}
