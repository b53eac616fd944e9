// A worker's Prepare answer (or the one an inline Vend's refusal carries), checked before the
// policy sees the scopes it normalized: an invalid scope is the caller's 400, an incomplete answer
// the worker's fault.
import { CredvendError } from "./errors.js";
import type { PrepareResult } from "../../plugin-protocol/types.js";
import { formatScope, type Scope } from "../../plugin-protocol/scope.js";

export function checkedPreparation(worker: string, scopes: readonly Scope[], prepared: PrepareResult): PrepareResult {
  const invalid = prepared.validations.filter((v) => !v.valid);
  if (invalid.length > 0) {
    const reasons = invalid.map((v) => `${formatScope(v.scope)}: ${v.error || "not valid for this provider"}`);
    throw new CredvendError("invalid_request", "invalid_scope", reasons.join("; "));
  }
  if (prepared.validations.length !== scopes.length || !prepared.serialized)
    throw new CredvendError("upstream_failed", "worker_bad_response", `worker "${worker}" answered Prepare incompletely`);
  return prepared;
}
