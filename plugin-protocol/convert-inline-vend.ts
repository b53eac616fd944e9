// Protocol 1.2's Vend with the preparation inline, protobuf <-> domain, shared by the core's client
// and the worker SDK. The request carries everything in `prepare` and nothing in the plain fields,
// so a worker that predates it sees a Vend without scopes and refuses instead of minting.
import { create } from "@bufbuild/protobuf";
import {
  analysisFromProto,
  analysisToProto,
  scopeSetRequestFromProto,
  scopeSetRequestToProto,
  vendResultFromProto,
  vendResultToProto,
} from "./convert.js";
import type { InlineVendRequest, PrepareResult, ScopeAnalysis, ScopeValidation, VendResult } from "./types.js";
import { formatScope } from "./scope.js";
import * as pb from "../proto/gen/credvend/plugin/v1/plugin_pb.js";

/**
 * The refusal's reason: the message of the FAILED_PRECONDITION a worker answers when a scope of an
 * inline Vend is invalid or would be normalized. Its one status detail is the PrepareResponse.
 */
export const SCOPES_NOT_CANONICAL = "scopes_not_canonical";

export function inlineVendRequestToProto(request: InlineVendRequest): pb.VendRequest {
  return create(pb.VendRequestSchema, {
    credentialId: request.credentialId,
    prepare: create(pb.PrepareRequestSchema, scopeSetRequestToProto(request)),
  });
}

/** Undefined for a plain Vend; a Vend that sets both is ambiguous and refused by the caller. */
export function inlineVendRequestFromProto(request: pb.VendRequest): InlineVendRequest | undefined {
  if (!request.prepare) return undefined;
  return { ...scopeSetRequestFromProto(request.prepare), credentialId: request.credentialId };
}

export function inlineVendResultToProto(result: VendResult, analyses: readonly ScopeAnalysis[]): pb.VendResponse {
  const response = vendResultToProto(result);
  response.analyses = analyses.map(analysisToProto);
  return response;
}

export function inlineVendResultFromProto(response: pb.VendResponse): { result: VendResult; analyses: ScopeAnalysis[] } {
  return { result: vendResultFromProto(response), analyses: response.analyses.map(analysisFromProto) };
}

/** Whether Prepare found every scope valid and already in its canonical form. */
export function allCanonical(prepared: PrepareResult): boolean {
  return prepared.validations.every((v) => v.valid && sameScope(v));
}

/** The refusal's message: which scopes, and why; safe for the caller (scopes and the worker's own errors). */
export function notCanonicalMessage(prepared: PrepareResult): string {
  const reasons = prepared.validations
    .filter((v) => !v.valid || !sameScope(v))
    .map((v) => (v.valid ? `${formatScope(v.scope)} -> ${formatScope(v.normalized!)}` : `${formatScope(v.scope)} is invalid`));
  return `${SCOPES_NOT_CANONICAL}: ${reasons.join("; ")}`;
}

function sameScope(v: ScopeValidation): boolean {
  const n = v.normalized ?? v.scope;
  return n.provider === v.scope.provider && n.action === v.scope.action && n.resource === v.scope.resource;
}
