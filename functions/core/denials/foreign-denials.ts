// Denials of foreign tokens: from a repository that no rule's anchors name (policy/anchors.ts).
// Any repository on GitHub can mint a token with our audience, so this is what a flood of the
// ledger would be made of. Each (owner, hour) costs at most one small summary event, however many
// requests the owner sends from however many of its repositories.
//
// Per (owner, hour) the ledger holds one `deny_flood` event whose id and time derive from the
// owner and the hour alone: id `deny_flood-<YYYY-MM-DDTHH>-<owner>`, `at` the start of the hour.
// It describes the first request of the hour (repository, claims, capped scopes; its time as
// `details.firstAt`) and keeps no count: a counter would make every request a write again.
// It is written with appendAuditOnce, one conditional put, so of all function instances exactly
// one stores it. A put the condition refuses changes nothing, not even the indexes, but DynamoDB
// still charges it a write on that item: so each instance remembers which (owner, hour) it has
// written or found written, and the owner's later requests never reach the ledger. At most one
// write attempt per (owner, hour) and warm instance, then; one of them is stored.
import type { Claims } from "../../../plugin-protocol/claims.js";
import { forensicClaims } from "../forensic-claims.js";
import type { Clock } from "../ports/clock.js";
import type { CredentialLedger } from "../ports/credential-ledger.js";
import type { AuditEvent } from "../records.js";
import { auditedScopes } from "./audited-scopes.js";

export interface ForeignDenialsOptions {
  readonly ledger: Pick<CredentialLedger, "appendAuditOnce">;
  readonly clock: Clock;
  /** Owners remembered per hour at most; past it the oldest is forgotten (and costs one more
   *  conditional put if it comes back). Default 10,000. */
  readonly memoSize?: number;
}

export class ForeignDenials {
  /** This hour's owners → the write of their summary, settled or in flight (then shared). */
  readonly #memo = new Map<string, Promise<void>>();
  #hour = "";

  constructor(private readonly options: ForeignDenialsOptions) {}

  /** Audits a foreign denial: resolves once this (owner, hour) has its summary in the ledger. */
  record(claims: Claims, scopes: readonly string[]): Promise<void> {
    const now = this.options.clock.now();
    const hour = now.toISOString().slice(0, 13);
    if (hour !== this.#hour) {
      this.#memo.clear();
      this.#hour = hour;
    }
    const owner = ownerKey(claims);
    const known = this.#memo.get(owner);
    if (known) return known;

    const write: Promise<void> = this.options.ledger.appendAuditOnce(summary(claims, scopes, owner, hour, now)).then(
      () => undefined,
      (error: unknown) => {
        // Not written: the next request of this owner tries again.
        if (this.#memo.get(owner) === write) this.#memo.delete(owner);
        throw error;
      },
    );
    if (this.#memo.size >= (this.options.memoSize ?? 10_000)) this.#memo.delete(this.#memo.keys().next().value!);
    this.#memo.set(owner, write);
    return write;
  }
}

/** The owner's id when the token has it (GitHub's always do: stable across renames), else its name. */
function ownerKey(claims: Claims): string {
  const id = claims["repository_owner_id"];
  if (id) return `id-${keySafe(id)}`;
  const name = claims["repository_owner"] || claims["repository"]?.split("/")[0];
  return name ? `name-${keySafe(name)}` : "unknown";
}

function keySafe(value: string): string {
  return value.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 100);
}

function summary(claims: Claims, scopes: readonly string[], owner: string, hour: string, now: Date): AuditEvent {
  const subject = forensicClaims(claims);
  const audited = auditedScopes(scopes);
  const ownerId = claims["repository_owner_id"];
  return {
    eventId: `deny_flood-${hour}-${owner}`,
    type: "deny_flood",
    at: `${hour}:00:00.000Z`,
    ...(subject.repository ? { repository: subject.repository } : {}),
    scopes: audited.scopes,
    subject,
    reason: "no_matching_rule",
    details: {
      owner,
      ...(ownerId ? { ownerId } : {}),
      firstAt: now.toISOString(),
      summarizes: "every denial of this owner's tokens in this hour; the first one is described",
      ...(audited.truncated ? { truncated: audited.truncated } : {}),
    },
  };
}
