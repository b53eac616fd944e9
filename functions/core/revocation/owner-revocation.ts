// A job revokes what it vended: DELETE /v1/credentials/{id}, authenticated by an OIDC token of the
// same workflow run (same issuer, repository_id and run_id; a re-run attempt may differ). Anyone
// else — and an id that does not exist — gets the same not-found answer, so the endpoint tells
// nobody whether a credential exists. Repeats answer the first outcome from the ledger, with no
// second upstream call.
import type { Claims } from "../../../plugin-protocol/claims.js";
import { CredvendError } from "../errors.js";
import type { CredentialLedger } from "../ports/credential-ledger.js";
import type { CredentialRecord, RevokedBy } from "../records.js";
import type { CredentialRevoker, RevocationResult } from "./credential-revoker.js";

/** The claims that make a caller the credential's owner: one workflow run of one repository. */
const OWNER_CLAIMS = ["iss", "repository_id", "run_id"] as const;

export type OwnerRevocationAnswer =
  | {
      readonly credentialId: string;
      readonly state: "revoked";
      readonly revokedBy: RevokedBy | "revoked_on_detection";
      readonly revokedAt: string;
    }
  | { readonly credentialId: string; readonly state: "expired"; readonly expiresAt: string };

export class OwnerRevocation {
  constructor(private readonly deps: { readonly ledger: CredentialLedger; readonly revoker: CredentialRevoker }) {}

  async revoke(claims: Claims, credentialId: string): Promise<OwnerRevocationAnswer> {
    const record = await this.deps.ledger.getCredential(credentialId);
    if (!record || !sameRun(record, claims)) throw notFound();
    return answer(credentialId, await this.deps.revoker.revoke(record, "revoked_by_owner"));
  }
}

function sameRun(record: CredentialRecord, claims: Claims): boolean {
  return OWNER_CLAIMS.every((name) => {
    const recorded = record.subject[name];
    return recorded !== undefined && recorded !== "" && recorded === claims[name];
  });
}

function notFound(): CredvendError {
  return new CredvendError("not_found", "credential_not_found", "no credential with this id was vended to this workflow run");
}

function answer(credentialId: string, result: RevocationResult): OwnerRevocationAnswer {
  switch (result.status) {
    case "revoked":
      return { credentialId, state: "revoked", revokedBy: result.by, revokedAt: result.at };
    case "expired":
      return { credentialId, state: "expired", expiresAt: result.at };
    case "not_revocable":
      throw new CredvendError("conflict", "not_revocable", `this credential cannot be revoked: ${result.reason}`);
    case "in_progress":
      throw new CredvendError(
        "conflict",
        "revocation_in_progress",
        "this credential is being revoked right now; ask again in a few seconds",
      );
    case "failed":
      throw new CredvendError(
        "unavailable",
        "revocation_failed",
        `the worker could not revoke it (${result.code}); it is still live: try again`,
      );
  }
}
