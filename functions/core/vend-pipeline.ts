import type { Claims } from "../../plugin-protocol/claims.js";
import { auditedScopes } from "./denials/audited-scopes.js";
import { ForeignDenials } from "./denials/foreign-denials.js";
import { forensicClaims } from "./forensic-claims.js";
import { CredvendError, LedgerError, PolicyDeniedError } from "./errors.js";
import { randomIds, type IdSource } from "./ids.js";
import { matchesSomeAnchor } from "./policy/anchors.js";
import { evaluateRequest, type TargetPolicySource } from "./policy/evaluate-request.js";
import { denialOf, describeGrants, ttlBound } from "./policy/request-outcome.js";
import type { Policy } from "./policy/policy.js";
import { systemClock, type Clock } from "./ports/clock.js";
import { StageTimer } from "./timing/stage-timer.js";
import { timedWorker } from "./timing/timed-worker.js";
import type { CredentialLedger } from "./ports/credential-ledger.js";
import type { Notifier } from "./ports/notifier.js";
import type { PrepareResult, ScopeAnalysis, VendResult } from "../../plugin-protocol/types.js";
import type { PluginClient, PluginDirectory } from "./ports/plugin-client.js";
import type { AuditEvent, CredentialRecord } from "./records.js";
import { formatScope, type Scope } from "../../plugin-protocol/scope.js";
import { tokenHash } from "../../plugin-protocol/token-hash.js";
import { checkedPreparation } from "./checked-preparation.js";
import { ttlNotes } from "./ttl-notes.js";
import { earlyRevocation, errorCode, VendRecording } from "./vend-recording.js";
import { parseVendScopes, type VendInput } from "./vend-request.js";

export interface VendPipelineDeps {
  readonly policy: Policy;
  readonly plugins: PluginDirectory;
  readonly ledger: CredentialLedger;
  /** Where a credential left live but unrecorded is reported (high urgency). */
  readonly notifier: Notifier;
  readonly clock?: Clock;
  readonly ids?: IdSource;
  /**
   * Self-serve trust: reads a target's trust policy (policy/target-policy-reader.ts). Absent: a
   * request with an identity that no central rule covers is refused as target_policy_unavailable.
   */
  readonly targetPolicies?: TargetPolicySource;
}

/** What the policy decided for a scope set: the TTL, what granted it, what bound the TTL. */
interface Narrowed {
  readonly ttlSeconds: number;
  readonly grantedBy: string;
  readonly ttlBound: string | undefined;
}

/** A credential the worker issued, with the scopes granted and the policy's decision on exactly those. */
interface Minted {
  readonly credentialId: string;
  readonly issuedAt: Date;
  readonly granted: readonly Scope[];
  readonly narrowed: Narrowed;
  readonly analyses: readonly ScopeAnalysis[];
  readonly vended: VendResult;
}

const NO_TARGET_POLICIES: TargetPolicySource = async () => ({ status: "unavailable", reason: "self-serve trust is not configured" });

export interface VendedCredential {
  readonly credentialId: string;
  readonly provider: string;
  readonly scopes: readonly string[];
  readonly ttlSeconds: number;
  readonly expiresAt: string;
  /** The secret itself: returned to the caller once, never stored or logged. */
  readonly credential: Readonly<Record<string, string>>;
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
}

/**
 * validate → narrow → analyze → serialize → vend → audit.
 * The policy is checked before any worker sees the request, so a denial costs no round trip; a
 * permitted vend costs one (Vend with the preparation inline, protocol 1.2, canonical scopes) or two
 * (Prepare, Vend). Nothing is handed out unless the ledger holds it.
 * A token from a repository no rule names is refused first, audited once per owner and hour.
 */
export class VendPipeline {
  private readonly clock: Clock;
  private readonly ids: IdSource;
  private readonly foreign: ForeignDenials;
  private readonly recording: VendRecording;

  constructor(private readonly deps: VendPipelineDeps) {
    this.clock = deps.clock ?? systemClock;
    this.ids = deps.ids ?? randomIds;
    this.foreign = new ForeignDenials({ ledger: deps.ledger, clock: this.clock });
    this.recording = new VendRecording({ ledger: deps.ledger, notifier: deps.notifier, clock: this.clock, ids: this.ids });
  }

  /**
   * Before the token is verified: the requested provider's worker verification started, so that at
   * a cold start it runs beside the issuer's key fetch instead of after it. Costs nothing once the
   * verdict is cached; a malformed request starts nothing (vend refuses it).
   */
  prefetchWorker(input: VendInput): void {
    let provider: string;
    try {
      ({ provider } = parseVendScopes(input));
    } catch {
      return;
    }
    this.deps.plugins.prefetch?.(provider);
  }

  /** `timer` (the caller's, per request) receives the stages' times: policy, worker-<method>, ledger. */
  async vend(claims: Claims, input: VendInput, timer: StageTimer = new StageTimer()): Promise<VendedCredential> {
    const { provider, scopes } = parseVendScopes(input);
    if (!matchesSomeAnchor(this.deps.policy, claims)) return timer.time("ledger", () => this.refuseForeign(claims, scopes));
    const found = await timer.time("plugins", () => this.deps.plugins.forProvider(provider));
    if (!found) {
      const known = this.deps.plugins.providers().join(", ") || "none";
      throw new CredvendError("invalid_request", "unknown_provider", `no worker serves provider "${provider}" (known: ${known})`);
    }
    const worker = timedWorker(found, timer);

    const narrowed = await timer.time("policy", () => this.narrow(claims, scopes, input, timer));
    const minted = await this.mint(worker, claims, scopes, narrowed, input, timer);
    const { credentialId, issuedAt, granted, vended } = minted;
    const { ttlSeconds: grantedTtl, grantedBy, ttlBound } = minted.narrowed;

    const revokeAt = earlyRevocation(issuedAt, grantedTtl, vended.expiresAt, vended.revocable);
    const record: CredentialRecord = {
      credentialId,
      provider,
      worker: worker.name,
      scopes: granted.map(formatScope),
      subject: forensicClaims(claims),
      issuedAt: issuedAt.toISOString(),
      expiresAt: vended.expiresAt.toISOString(),
      ...(revokeAt ? { revokeAt: revokeAt.toISOString() } : {}),
      revocable: vended.revocable,
      upstreamRef: vended.upstreamRef,
      ...(vended.manualRevocationUrl ? { manualRevocationUrl: vended.manualRevocationUrl } : {}),
      tokenHashes: Object.values(vended.credential).map(tokenHash),
      state: "active",
    };
    await this.recording.persist(
      worker,
      record,
      this.event("vend", claims, record.scopes, {
        credentialId,
        details: {
          ttlSeconds: String(grantedTtl),
          expiresAt: record.expiresAt,
          ...(record.revokeAt ? { revokeAt: record.revokeAt } : {}),
          worker: worker.name,
          // What granted it: central rules, or delegation + target file + commit + grant.
          grantedBy,
          ...(input.identity === undefined ? {} : { identity: input.identity }),
        },
      }),
      revokeAt,
      timer,
    );

    return {
      credentialId,
      provider,
      scopes: record.scopes,
      ttlSeconds: grantedTtl,
      // What the job may count on: the granted TTL, even where the provider's credential outlives it.
      expiresAt: record.revokeAt ?? record.expiresAt,
      credential: vended.credential,
      warnings: minted.analyses.flatMap((a) => a.warnings.map((w) => `${formatScope(a.scope)}: ${w}`)),
      notes: [
        ...ttlNotes({
          ...(input.ttlSeconds === undefined ? {} : { requested: input.ttlSeconds }),
          granted: grantedTtl,
          ...(ttlBound ? { bound: ttlBound } : {}),
          worker: worker.name,
          issuedAt,
          expiresAt: vended.expiresAt,
        }),
        ...vended.notes,
        ...(record.revokeAt
          ? [`credvend revokes it at ${record.revokeAt}, the granted TTL (the provider would keep it until ${record.expiresAt})`]
          : []),
      ],
    };
  }

  /** A repository no rule names: 403 before any worker, audited once per owner and hour. */
  private async refuseForeign(claims: Claims, scopes: readonly Scope[]): Promise<never> {
    const requested = scopes.map(formatScope);
    await this.recorded(() => this.foreign.record(claims, requested), "could not write the audit event");
    throw new PolicyDeniedError(requested, "no rule names this repository or its owner", "no_matching_rule");
  }

  /**
   * Step "narrow": deny by default; on a denial the audit event is written before the 403 (or the
   * 503 when only an unreadable target policy stood in the way). The caller chose the scopes, so
   * the event keeps a capped part of them (denials/audited-scopes.ts).
   */
  private async narrow(claims: Claims, scopes: readonly Scope[], input: VendInput, timer: StageTimer): Promise<Narrowed> {
    const decision = await evaluateRequest(this.deps.policy, claims, scopes, {
      ...(input.identity === undefined ? {} : { identity: input.identity }),
      ...(input.ttlSeconds === undefined ? {} : { requestedTtlSeconds: input.ttlSeconds }),
      targetPolicies: this.deps.targetPolicies ?? NO_TARGET_POLICIES,
    });
    if (decision.allowed)
      return { ttlSeconds: decision.ttlSeconds, grantedBy: describeGrants(decision.outcomes), ttlBound: ttlBound(decision.outcomes) };
    const denial = denialOf(decision.outcomes);
    const requested = auditedScopes(scopes.map(formatScope));
    // The denied scopes are among the requested ones: a note about those covers both lists.
    const denied = auditedScopes(denial.error.deniedScopes);
    const truncated = requested.truncated ?? denied.truncated;
    await this.recorded(
      () =>
        timer.time("ledger", () =>
          this.deps.ledger.appendAudit(
            this.event("deny", claims, requested.scopes, {
              reason: denial.unavailable ? "target_policy_unavailable" : "scope_denied",
              details: {
                denied: denied.scopes.join(" "),
                why: denial.why,
                refusedBy: denial.parties.join(" "),
                ...(input.identity === undefined ? {} : { identity: input.identity }),
                ...(truncated ? { truncated } : {}),
              },
            }),
          ),
        ),
      "could not write the audit event",
    );
    throw denial.error;
  }

  /**
   * Steps validate (provider rules), analyze, serialize and vend. One round trip when the worker
   * takes the preparation inline and every scope is already canonical: it grants exactly the
   * requested scopes, which the policy has just allowed. On its refusal (nothing minted), or with a
   * worker without it: Prepare (or the refusal's Prepare answer), the policy again on the scopes as
   * normalized, then Vend.
   */
  private async mint(
    worker: PluginClient,
    claims: Claims,
    scopes: readonly Scope[],
    narrowed: Narrowed,
    input: VendInput,
    timer: StageTimer,
  ): Promise<Minted> {
    let prepared: PrepareResult | undefined;
    if (worker.vendInline) {
      const inline = await this.vendCall(claims, scopes, (credentialId) =>
        worker.vendInline!({ credentialId, scopes, subject: claims, ttlSeconds: narrowed.ttlSeconds }),
      );
      if (inline.answer.status === "vended")
        return { ...inline, granted: scopes, narrowed, analyses: inline.answer.analyses, vended: inline.answer.result };
      prepared = inline.answer.prepared;
    }
    prepared ??= await worker.prepare({ scopes, subject: claims, ttlSeconds: narrowed.ttlSeconds });
    const checked = checkedPreparation(worker.name, scopes, prepared);
    const granted = checked.validations.map((v) => v.normalized ?? v.scope);
    // A worker may canonicalize a scope; the policy must allow what is actually granted.
    const grantedNarrowed = await timer.time("policy", () => this.narrow(claims, granted, input, timer));
    const serialized = checked.serialized!.serialized;
    const vend = await this.vendCall(claims, granted, (credentialId) =>
      worker.vend({ credentialId, scopes: granted, subject: claims, ttlSeconds: grantedNarrowed.ttlSeconds, serialized }),
    );
    return { ...vend, granted, narrowed: grantedNarrowed, analyses: checked.analyses, vended: vend.answer };
  }

  /** One Vend call under a fresh credential id; its failure is audited before it is rethrown. */
  private async vendCall<T>(
    claims: Claims,
    scopes: readonly Scope[],
    call: (credentialId: string) => Promise<T>,
  ): Promise<{ credentialId: string; issuedAt: Date; answer: T }> {
    const credentialId = this.ids.credentialId();
    const issuedAt = this.clock.now();
    const answer = await call(credentialId).catch(async (err: unknown) => {
      await this.auditQuietly(this.event("failure", claims, scopes.map(formatScope), { credentialId, reason: errorCode(err) }));
      throw err;
    });
    return { credentialId, issuedAt, answer };
  }

  /** A ledger write the answer depends on: its failure is a LedgerError (503). */
  private async recorded(write: () => Promise<void>, failure: string): Promise<void> {
    try {
      await write();
    } catch (err) {
      throw err instanceof LedgerError ? err : new LedgerError(failure, { cause: err });
    }
  }

  /** For events about a failure already being reported: the original error matters more. */
  private async auditQuietly(event: AuditEvent): Promise<void> {
    await this.deps.ledger.appendAudit(event).catch(() => undefined);
  }

  private event(
    type: AuditEvent["type"],
    claims: Claims,
    scopes: readonly string[],
    extra: Pick<AuditEvent, "credentialId" | "reason" | "details">,
  ): AuditEvent {
    const subject = forensicClaims(claims);
    return {
      eventId: this.ids.eventId(),
      type,
      at: this.clock.now().toISOString(),
      ...(subject.repository ? { repository: subject.repository } : {}),
      scopes: [...scopes],
      subject,
      ...extra,
    };
  }
}
