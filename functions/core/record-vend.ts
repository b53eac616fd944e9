// A vend's ledger writes for stores without transactions (the embedded dynalite, memory): the
// record (its lookups first, then the record, conditionally) and the vend event are independent
// writes, issued together so the vend waits for the slower one only. Both must land before the
// credential is handed out; a failure says whether the event landed.
import { LedgerError, VendNotRecordedError } from "./errors.js";
import type { CredentialLedger } from "./ports/credential-ledger.js";
import type { AuditEvent, CredentialRecord } from "./records.js";

export async function recordVendSeparately(
  ledger: Pick<CredentialLedger, "recordIssued" | "appendAudit">,
  record: CredentialRecord,
  event: AuditEvent,
): Promise<void> {
  const [recorded, audited] = await Promise.allSettled([ledger.recordIssued(record), ledger.appendAudit(event)]);
  const failure = recorded.status === "rejected" ? recorded : audited.status === "rejected" ? audited : undefined;
  if (!failure) return;
  const error: unknown = failure.reason;
  const message = error instanceof LedgerError ? error.message : "could not record the credential";
  throw new VendNotRecordedError(message, audited.status === "fulfilled", { cause: error });
}
