// protobuf <-> domain for the plugin protocol, shared by the core's gRPC-web client and the worker
// SDK so both sides agree on one mapping. The core domain never imports protobuf; its adapters do.
import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Claims } from "./claims.js";
import type {
  Capability,
  PrepareResult,
  RevokeRequest,
  RevokeResult,
  Risk,
  ScopeAnalysis,
  ScopeSetRequest,
  ScopeValidation,
  SerializedScopes,
  VendRequest,
  VendResult,
  WorkerDescription,
} from "./types.js";
import type { Scope } from "./scope.js";
import * as pb from "../proto/gen/credvend/plugin/v1/plugin_pb.js";

/** The peer sent something the protocol does not allow (a missing field, an unknown enum). */
export class PluginProtocolError extends Error {
  override readonly name = "PluginProtocolError";
}

// ---- scopes and subjects ----

export function scopeToProto(scope: Scope): pb.Scope {
  return create(pb.ScopeSchema, { provider: scope.provider, action: scope.action, resource: scope.resource });
}

/** A missing scope decodes as empty fields so validation rejects it with a clear message. */
export function scopeFromProto(scope: pb.Scope | undefined): Scope {
  return { provider: scope?.provider ?? "", action: scope?.action ?? "", resource: scope?.resource ?? "" };
}

// Claim name -> Subject field. Every other claim travels in extra_claims.
const SUBJECT_FIELDS = {
  iss: "issuer",
  sub: "subject",
  repository: "repository",
  repository_id: "repositoryId",
  repository_owner: "repositoryOwner",
  ref: "ref",
  sha: "sha",
  workflow: "workflow",
  job_workflow_ref: "jobWorkflowRef",
  run_id: "runId",
  run_attempt: "runAttempt",
  actor: "actor",
  environment: "environment",
} as const satisfies Record<string, keyof pb.Subject>;

type SubjectField = (typeof SUBJECT_FIELDS)[keyof typeof SUBJECT_FIELDS];

function isSubjectClaim(name: string): name is keyof typeof SUBJECT_FIELDS {
  return Object.hasOwn(SUBJECT_FIELDS, name);
}

export function claimsToSubject(claims: Claims): pb.Subject {
  const subject = create(pb.SubjectSchema);
  for (const [name, value] of Object.entries(claims)) {
    if (isSubjectClaim(name)) subject[SUBJECT_FIELDS[name]] = value;
    else subject.extraClaims[name] = value;
  }
  return subject;
}

/** proto3 cannot tell "" from absent: empty fields are left out of the claims. */
export function subjectToClaims(subject: pb.Subject | undefined): Claims {
  const claims: Record<string, string> = {};
  if (!subject) return claims;
  for (const [name, value] of Object.entries(subject.extraClaims)) {
    if (value !== "" && !isSubjectClaim(name)) claims[name] = value;
  }
  for (const [name, field] of Object.entries(SUBJECT_FIELDS) as [string, SubjectField][]) {
    if (subject[field] !== "") claims[name] = subject[field];
  }
  return claims;
}

// ---- enums ----

const CAPABILITIES: Record<Capability, pb.Capability> = {
  validate: pb.Capability.VALIDATE,
  analyze: pb.Capability.ANALYZE,
  serialize: pb.Capability.SERIALIZE,
  prepare: pb.Capability.PREPARE,
  vend: pb.Capability.VEND,
  revoke: pb.Capability.REVOKE,
};

const RISKS: Record<Risk, pb.Risk> = { low: pb.Risk.LOW, medium: pb.Risk.MEDIUM, high: pb.Risk.HIGH };

function capabilityFromProto(value: pb.Capability): Capability | undefined {
  return (Object.keys(CAPABILITIES) as Capability[]).find((name) => CAPABILITIES[name] === value);
}

/** An unspecified or unknown risk is read as high: a worker that cannot say is not trusted low. */
function riskFromProto(value: pb.Risk): Risk {
  return (Object.keys(RISKS) as Risk[]).find((name) => RISKS[name] === value) ?? "high";
}

// ---- requests (client -> worker) ----

function ttlToProto(ttlSeconds: number): number {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0) return 0;
  return Math.min(Math.floor(ttlSeconds), 0xffff_ffff);
}

export function scopeSetRequestToProto(request: ScopeSetRequest) {
  return {
    scopes: request.scopes.map(scopeToProto),
    subject: claimsToSubject(request.subject),
    ttlSeconds: ttlToProto(request.ttlSeconds),
  };
}

export function scopeSetRequestFromProto(request: {
  scopes: pb.Scope[];
  subject?: pb.Subject | undefined;
  ttlSeconds: number;
}): ScopeSetRequest {
  return {
    scopes: request.scopes.map(scopeFromProto),
    subject: subjectToClaims(request.subject),
    ttlSeconds: request.ttlSeconds,
  };
}

export function vendRequestToProto(request: VendRequest): pb.VendRequest {
  return create(pb.VendRequestSchema, {
    ...scopeSetRequestToProto(request),
    credentialId: request.credentialId,
    serialized: request.serialized,
  });
}

export function vendRequestFromProto(request: pb.VendRequest): VendRequest {
  return { ...scopeSetRequestFromProto(request), credentialId: request.credentialId, serialized: request.serialized };
}

export function revokeRequestToProto(request: RevokeRequest): pb.RevokeRequest {
  return create(pb.RevokeRequestSchema, {
    credentialId: request.credentialId,
    scopes: request.scopes.map(scopeToProto),
    upstreamRef: request.upstreamRef,
    expiresAt: timestampFromDate(request.expiresAt),
  });
}

export function revokeRequestFromProto(request: pb.RevokeRequest): RevokeRequest {
  return {
    credentialId: request.credentialId,
    scopes: request.scopes.map(scopeFromProto),
    upstreamRef: request.upstreamRef,
    // The expiry is informational for the worker; an absent one reads as "unknown, long ago".
    expiresAt: request.expiresAt ? timestampDate(request.expiresAt) : new Date(0),
  };
}

// ---- responses (worker -> client) ----

export function describeToProto(description: WorkerDescription): pb.DescribeResponse {
  return create(pb.DescribeResponseSchema, {
    name: description.name,
    version: description.version,
    protocol: description.protocol,
    protocolVersion: description.protocolVersion ?? "",
    providers: [...description.providers],
    capabilities: description.capabilities.map((name) => CAPABILITIES[name]),
    ...(description.configuration
      ? { configuration: { configured: description.configuration.configured, missing: description.configuration.missing ?? "" } }
      : {}),
  });
}

export function describeFromProto(response: pb.DescribeResponse): WorkerDescription {
  return {
    name: response.name,
    version: response.version,
    protocol: response.protocol,
    ...(response.protocolVersion ? { protocolVersion: response.protocolVersion } : {}),
    providers: [...response.providers],
    // A newer worker may advertise capabilities this core does not know: ignore them.
    capabilities: response.capabilities.flatMap((value) => capabilityFromProto(value) ?? []),
    ...(response.configuration
      ? {
          configuration: {
            configured: response.configuration.configured,
            ...(response.configuration.missing ? { missing: response.configuration.missing } : {}),
          },
        }
      : {}),
  };
}

export function validationToProto(validation: ScopeValidation): pb.ScopeValidation {
  return create(pb.ScopeValidationSchema, {
    scope: scopeToProto(validation.scope),
    valid: validation.valid,
    normalized: validation.valid ? scopeToProto(validation.normalized ?? validation.scope) : undefined,
    error: validation.valid ? "" : (validation.error ?? "invalid scope"),
  });
}

export function validationFromProto(validation: pb.ScopeValidation): ScopeValidation {
  if (!validation.scope) throw new PluginProtocolError("scope validation without a scope");
  const scope = scopeFromProto(validation.scope);
  if (!validation.valid) return { scope, valid: false, error: validation.error || "invalid scope" };
  return { scope, valid: true, normalized: validation.normalized ? scopeFromProto(validation.normalized) : scope };
}

export function analysisToProto(analysis: ScopeAnalysis): pb.ScopeAnalysis {
  return create(pb.ScopeAnalysisSchema, {
    scope: scopeToProto(analysis.scope),
    risk: RISKS[analysis.risk],
    warnings: [...analysis.warnings],
  });
}

export function analysisFromProto(analysis: pb.ScopeAnalysis): ScopeAnalysis {
  if (!analysis.scope) throw new PluginProtocolError("scope analysis without a scope");
  return { scope: scopeFromProto(analysis.scope), risk: riskFromProto(analysis.risk), warnings: [...analysis.warnings] };
}

export function serializedToProto(serialized: SerializedScopes): pb.SerializeScopeResponse {
  return create(pb.SerializeScopeResponseSchema, {
    serialized: serialized.serialized,
    mediaType: serialized.mediaType,
  });
}

export function serializedFromProto(serialized: pb.SerializeScopeResponse): SerializedScopes {
  return { serialized: serialized.serialized, mediaType: serialized.mediaType };
}

export function prepareToProto(result: PrepareResult): pb.PrepareResponse {
  return create(pb.PrepareResponseSchema, {
    validations: result.validations.map(validationToProto),
    analyses: result.analyses.map(analysisToProto),
    serialized: result.serialized ? serializedToProto(result.serialized) : undefined,
  });
}

export function prepareFromProto(response: pb.PrepareResponse): PrepareResult {
  const validations = response.validations.map(validationFromProto);
  const allValid = validations.every((v) => v.valid);
  if (allValid && !response.serialized) throw new PluginProtocolError("prepare without serialized scopes");
  if (!allValid) return { validations, analyses: [] };
  return {
    validations,
    analyses: response.analyses.map(analysisFromProto),
    ...(response.serialized ? { serialized: serializedFromProto(response.serialized) } : {}),
  };
}

export function vendResultToProto(result: VendResult): pb.VendResponse {
  return create(pb.VendResponseSchema, {
    credential: { ...result.credential },
    expiresAt: timestampFromDate(result.expiresAt),
    revocable: result.revocable,
    upstreamRef: result.upstreamRef,
    notes: [...result.notes],
    manualRevocationUrl: result.manualRevocationUrl ?? "",
  });
}

export function vendResultFromProto(response: pb.VendResponse): VendResult {
  if (!response.expiresAt) throw new PluginProtocolError("vend response without expiresAt");
  if (Object.keys(response.credential).length === 0) throw new PluginProtocolError("vend response without a credential");
  return {
    credential: { ...response.credential },
    expiresAt: timestampDate(response.expiresAt),
    revocable: response.revocable,
    upstreamRef: response.upstreamRef,
    notes: [...response.notes],
    // proto3 cannot tell "" from absent: an empty URL means the worker has none.
    ...(response.manualRevocationUrl ? { manualRevocationUrl: response.manualRevocationUrl } : {}),
  };
}

const REVOKE_OUTCOMES: Record<RevokeResult["outcome"], pb.RevokeOutcome> = {
  revoked: pb.RevokeOutcome.REVOKED,
  already_gone: pb.RevokeOutcome.ALREADY_GONE,
  manual_required: pb.RevokeOutcome.MANUAL_REQUIRED,
};

export function revokeResultToProto(result: RevokeResult): pb.RevokeResponse {
  return create(pb.RevokeResponseSchema, {
    outcome: REVOKE_OUTCOMES[result.outcome],
    detail: result.detail,
  });
}

export function revokeResultFromProto(response: pb.RevokeResponse): RevokeResult {
  switch (response.outcome) {
    case pb.RevokeOutcome.REVOKED:
      return { outcome: "revoked", detail: response.detail };
    case pb.RevokeOutcome.ALREADY_GONE:
      return { outcome: "already_gone", detail: response.detail };
    case pb.RevokeOutcome.MANUAL_REQUIRED:
      return { outcome: "manual_required", detail: response.detail };
    default:
      throw new PluginProtocolError("revoke response without an outcome");
  }
}
