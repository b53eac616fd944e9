// Checks on the steps of a vend with the scopes given (--scope): Prepare is exactly Validate,
// Analyze and Serialize; an invalid scope is refused everywhere and mints nothing; Vend answers a
// credential, an expiry that fits the TTL and a reference to this vend; Revoke is idempotent and
// never claims to revoke what it never issued.
import { randomUUID } from "node:crypto";
import { create, equals, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import type { WorkerDescription } from "../../plugin-protocol/types.js";
import { SCOPES_NOT_CANONICAL } from "../../plugin-protocol/convert-inline-vend.js";
import { hasStep, parseProtocolVersion } from "../../plugin-protocol/protocol-version.js";
import { formatScope } from "../../plugin-protocol/scope.js";
import {
  AnalyzeScopeResponseSchema,
  PrepareResponseSchema,
  RevokeOutcome,
  type ScopeSchema,
  type Scope,
  SerializeScopeResponseSchema,
  type Subject,
  ValidateScopeResponseSchema,
  type VendResponse,
  VendRequestSchema,
} from "../../proto/gen/credvend/plugin/v1/plugin_pb.js";
import { type CheckResult, fail, pass, skip } from "./conformance-result.js";
import { codeName, type ConformanceSession } from "./conformance-session.js";

export interface ScopeRun {
  readonly scopes: readonly Scope[];
  readonly subject: Subject;
  readonly ttlSeconds: number;
}

/** What the kit vended, for the revoke checks. */
export interface Vended {
  readonly credentialId: string;
  readonly scopes: readonly Scope[];
  readonly response: VendResponse;
}

/** Longest a provider may keep a credential past the TTL asked (its own minimum lifetime, e.g. a GitHub token's hour). */
const PROVIDER_MINIMUM_SECONDS = 3600;
const SKEW_SECONDS = 120;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export async function checkPrepare(
  session: ConformanceSession,
  d: WorkerDescription,
  run: ScopeRun,
): Promise<{ result: CheckResult; prepared?: { scopes: Scope[]; serialized: Uint8Array } }> {
  const c = session.client;
  const scopes = [...run.scopes];
  const validated = await session.call("ValidateScope", (call) => c.validateScope({ scopes }, call));
  if (!validated.ok)
    return { result: fail("prepare-consistency", `ValidateScope failed: ${codeName(validated.error.code)} ${validated.error.rawMessage}`) };
  const invalid = validated.value.results.filter((r) => !r.valid);
  if (invalid.length > 0 || validated.value.results.length !== scopes.length) {
    const why = invalid.map((r) => `${r.scope ? formatScope(r.scope) : "?"}: ${r.error}`).join("; ");
    return {
      result: fail(
        "prepare-consistency",
        `the worker finds the given scopes invalid (${why || "wrong number of results"}); pass --scope values it accepts`,
      ),
    };
  }
  const normalized = validated.value.results.map((r) => r.normalized ?? r.scope!);
  const set = { scopes: normalized, subject: run.subject, ttlSeconds: run.ttlSeconds };
  const analyzed = d.capabilities.includes("analyze") ? await session.call("AnalyzeScope", (call) => c.analyzeScope(set, call)) : undefined;
  const serialized = await session.call("SerializeScope", (call) => c.serializeScope(set, call));
  const prepared = await session.call("Prepare", (call) => c.prepare({ scopes, subject: run.subject, ttlSeconds: run.ttlSeconds }, call));
  for (const [method, outcome] of [
    ["AnalyzeScope", analyzed],
    ["SerializeScope", serialized],
    ["Prepare", prepared],
  ] as const)
    if (outcome && !outcome.ok)
      return { result: fail("prepare-consistency", `${method} failed: ${codeName(outcome.error.code)} ${outcome.error.rawMessage}`) };
  if (!serialized.ok || !prepared.ok || (analyzed && !analyzed.ok)) throw new Error("unreachable");
  const p = prepared.value;
  const problems: string[] = [];
  if (!equals(ValidateScopeResponseSchema, validated.value, create(ValidateScopeResponseSchema, { results: p.validations })))
    problems.push("Prepare's validations differ from ValidateScope's");
  const analyses = analyzed?.ok ? analyzed.value : create(AnalyzeScopeResponseSchema);
  if (!equals(AnalyzeScopeResponseSchema, analyses, create(AnalyzeScopeResponseSchema, { results: p.analyses })))
    problems.push("Prepare's analyses differ from AnalyzeScope's");
  if (!p.serialized || !equals(SerializeScopeResponseSchema, serialized.value, p.serialized))
    problems.push("Prepare's serialized scopes differ from SerializeScope's");
  if (problems.length > 0) return { result: fail("prepare-consistency", problems.join("; ")) };
  return {
    result: pass(
      "prepare-consistency",
      `Prepare = ValidateScope + ${analyzed ? "AnalyzeScope + " : ""}SerializeScope for ${scopes.map(formatScope).join(", ")}`,
    ),
    prepared: { scopes: normalized, serialized: p.serialized!.serialized },
  };
}

export async function checkInvalidScope(
  session: ConformanceSession,
  provider: string,
  run: ScopeRun,
  description?: WorkerDescription,
): Promise<CheckResult> {
  const c = session.client;
  const bad = { provider, action: "conformance-no-such-action", resource: "conformance" };
  const problems: string[] = [];
  const validated = await session.call("ValidateScope", (call) => c.validateScope({ scopes: [bad] }, call));
  if (!validated.ok) problems.push(`ValidateScope failed: ${codeName(validated.error.code)}`);
  else {
    const [result] = validated.value.results;
    if (!result || result.valid || !result.error.trim()) problems.push("ValidateScope did not call it invalid with a reason");
    session.saw("ValidateScope error", result?.error);
  }
  const prepared = await session.call("Prepare", (call) =>
    c.prepare({ scopes: [bad], subject: run.subject, ttlSeconds: run.ttlSeconds }, call),
  );
  if (prepared.ok && (prepared.value.validations[0]?.valid !== false || prepared.value.serialized || prepared.value.analyses.length > 0))
    problems.push("Prepare went past validation");
  const vend = {
    credentialId: randomUUID(),
    scopes: [bad],
    subject: run.subject,
    ttlSeconds: run.ttlSeconds,
    serialized: new Uint8Array(),
  };
  const vended = await session.call("Vend", (call) => c.vend(vend, call));
  if (vended.ok) {
    remember(session, vended.value);
    problems.push("Vend minted a credential for an invalid scope");
  } else if (vended.error.code !== Code.InvalidArgument)
    problems.push(`Vend refused it with ${codeName(vended.error.code)}, not invalid_argument`);
  const version = parseProtocolVersion(description?.protocolVersion ?? "");
  const inline = version && hasStep(version, "vendInline") ? await checkInlineRefusal(session, bad, run) : undefined;
  if (inline) problems.push(inline);
  return problems.length === 0
    ? pass(
        "invalid-scope",
        `${formatScope(bad)} refused by ValidateScope, Prepare and Vend (invalid_argument)${version && hasStep(version, "vendInline") ? ", and by an inline Vend (failed_precondition scopes_not_canonical)" : ""}`,
      )
    : fail("invalid-scope", problems.join("; "));
}

/** Protocol 1.2: an inline Vend of an invalid scope mints nothing and answers the documented refusal. */
async function checkInlineRefusal(
  session: ConformanceSession,
  bad: MessageInitShape<typeof ScopeSchema>,
  run: ScopeRun,
): Promise<string | undefined> {
  const request = create(VendRequestSchema, {
    credentialId: randomUUID(),
    prepare: { scopes: [bad], subject: run.subject, ttlSeconds: run.ttlSeconds },
  });
  const vended = await session.call("Vend", (call) => session.client.vend(request, call));
  if (vended.ok) {
    remember(session, vended.value);
    return "an inline Vend minted a credential for an invalid scope";
  }
  if (vended.error.code !== Code.FailedPrecondition)
    return `an inline Vend refused it with ${codeName(vended.error.code)}, not failed_precondition`;
  const [prepared] = vended.error.findDetails(PrepareResponseSchema);
  if (!vended.error.rawMessage.startsWith(SCOPES_NOT_CANONICAL) || prepared?.validations[0]?.valid !== false)
    return `an inline Vend's refusal lacks "${SCOPES_NOT_CANONICAL}" or its Prepare answer (the invalid validation)`;
  return undefined;
}

export async function checkVend(
  session: ConformanceSession,
  run: ScopeRun,
  prepared: { scopes: Scope[]; serialized: Uint8Array },
): Promise<{ result: CheckResult; vended?: Vended }> {
  const credentialId = randomUUID();
  const before = Date.now();
  const request = { credentialId, ...prepared, subject: run.subject, ttlSeconds: run.ttlSeconds };
  const outcome = await session.call("Vend", (call) => session.client.vend(request, call));
  if (!outcome.ok) return { result: fail("vend", `Vend failed: ${codeName(outcome.error.code)} ${outcome.error.rawMessage}`) };
  const v = outcome.value;
  remember(session, v);
  const problems: string[] = [];
  const fields = Object.keys(v.credential);
  if (fields.length === 0 || fields.some((k) => !v.credential[k])) problems.push("no credential, or an empty credential field");
  const expires = v.expiresAt ? timestampDate(v.expiresAt).getTime() : Number.NaN;
  const latest = before + (Math.max(run.ttlSeconds, PROVIDER_MINIMUM_SECONDS) + SKEW_SECONDS) * 1000;
  const earliest = before + Math.min(run.ttlSeconds, 60) * 1000 - SKEW_SECONDS * 1000;
  if (Number.isNaN(expires)) problems.push("no expiry");
  else if (expires <= Date.now()) problems.push("expiry is not in the future");
  else if (expires > latest || expires < earliest)
    problems.push(`expiry ${new Date(expires).toISOString()} does not fit a ${run.ttlSeconds}s TTL`);
  const named = [...new Set(v.upstreamRef.match(UUID) ?? [])].filter((id) => id.toLowerCase() !== credentialId);
  if (named.length > 0) problems.push(`upstream_ref names another credential id (${named.join(", ")}), not this vend's ${credentialId}`);
  if (v.revocable && !v.upstreamRef) problems.push("revocable without an upstream_ref");
  if (problems.length > 0) return { result: fail("vend", problems.join("; ")) };
  const life = Math.round((expires - before) / 1000);
  return {
    result: pass(
      "vend",
      `credential {${fields.join(",")}} for ${credentialId}, expires in ${life}s, revocable ${v.revocable ? "yes" : "no"}`,
    ),
    vended: { credentialId, scopes: prepared.scopes, response: v },
  };
}

export async function checkRevoke(
  session: ConformanceSession,
  d: WorkerDescription,
  run: ScopeRun,
  vended: Vended | undefined,
): Promise<CheckResult[]> {
  if (!d.capabilities.includes("revoke"))
    return [
      skip("revoke-idempotent", "the worker does not advertise revoke"),
      skip("revoke-unknown", "the worker does not advertise revoke"),
    ];
  return [await revokeTwice(session, vended), await revokeUnknown(session, run)];
}

async function revokeTwice(session: ConformanceSession, vended: Vended | undefined): Promise<CheckResult> {
  if (!vended) return skip("revoke-idempotent", "nothing was vended");
  if (!vended.response.revocable) return skip("revoke-idempotent", "the vended credential is not revocable (revocable=false)");
  const request = {
    credentialId: vended.credentialId,
    scopes: [...vended.scopes],
    upstreamRef: vended.response.upstreamRef,
    ...(vended.response.expiresAt ? { expiresAt: vended.response.expiresAt } : {}),
  };
  const outcomes: string[] = [];
  for (const attempt of [1, 2]) {
    const outcome = await session.call("Revoke", (call) => session.client.revoke(request, call));
    if (!outcome.ok)
      return fail("revoke-idempotent", `Revoke #${attempt} failed: ${codeName(outcome.error.code)} ${outcome.error.rawMessage}`);
    session.saw("Revoke detail", outcome.value.detail);
    outcomes.push(outcomeName(outcome.value.outcome));
  }
  if (outcomes[0] === "revoked" && outcomes[1] === "already_gone") return pass("revoke-idempotent", "revoked, then already_gone on repeat");
  return fail("revoke-idempotent", `outcomes ${outcomes.join(", then ")}: expected revoked, then already_gone`);
}

async function revokeUnknown(session: ConformanceSession, run: ScopeRun): Promise<CheckResult> {
  const request = {
    credentialId: randomUUID(),
    scopes: [...run.scopes],
    upstreamRef: "",
    expiresAt: timestampFromDate(new Date(Date.now() + run.ttlSeconds * 1000)),
  };
  const outcome = await session.call("Revoke", (call) => session.client.revoke(request, call));
  if (outcome.ok) {
    session.saw("Revoke detail", outcome.value.detail);
    const name = outcomeName(outcome.value.outcome);
    if (name === "already_gone" || name === "manual_required") return pass("revoke-unknown", `a credential never vended: ${name}`);
    return fail("revoke-unknown", `a credential never vended: ${name}; a worker never claims a revocation it did not do`);
  }
  const code = outcome.error.code;
  if (code === Code.InvalidArgument || code === Code.NotFound)
    return pass("revoke-unknown", `a credential never vended: refused with ${codeName(code)}`);
  return fail(
    "revoke-unknown",
    `a credential never vended: ${codeName(code)}; expected already_gone, manual_required, not_found or invalid_argument`,
  );
}

function remember(session: ConformanceSession, v: VendResponse): void {
  for (const value of Object.values(v.credential)) if (value) session.secrets.set(value, "a vended credential's value");
  session.saw("Vend answer", v.upstreamRef, v.manualRevocationUrl, ...v.notes);
}

function outcomeName(outcome: RevokeOutcome): string {
  if (outcome === RevokeOutcome.REVOKED) return "revoked";
  if (outcome === RevokeOutcome.ALREADY_GONE) return "already_gone";
  if (outcome === RevokeOutcome.MANUAL_REQUIRED) return "manual_required";
  return "no outcome";
}
