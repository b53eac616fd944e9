// Every error the domain raises, in one place. `kind` says what went wrong in terms the edge maps
// to a status; `code` is the stable snake_case name callers see; `message` is safe to show.
// `cause` keeps the underlying error for logs and is never sent to a caller.

export type ErrorKind =
  | "invalid_request" // 400
  | "unauthenticated" // 401
  | "forbidden" // 403
  | "not_found" // 404
  | "conflict" // 409
  | "upstream_failed" // 502
  | "unavailable" // 503
  | "timeout"; // 504

export class CredvendError extends Error {
  override readonly name: string = "CredvendError";
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The policy denied a scope: a 403 that names it, audited as a denial. `no_matching_rule` when no
 * rule names the caller's repository or owner at all (audited once per owner and hour).
 */
export class PolicyDeniedError extends CredvendError {
  override readonly name = "PolicyDeniedError";
  constructor(
    readonly deniedScopes: readonly string[],
    reason: string,
    code: "scope_denied" | "no_matching_rule" = "scope_denied",
  ) {
    super("forbidden", code, `denied by policy: ${deniedScopes.join(", ")} (${reason})`);
  }
}

/**
 * Self-serve trust: a target's trust policy could not be read (GitHub failing, a worker without
 * TrustPolicy), so the scopes it would decide are refused: a 503, never a grant from a stale copy.
 */
export class TargetPolicyUnavailableError extends CredvendError {
  override readonly name = "TargetPolicyUnavailableError";
  constructor(
    readonly deniedScopes: readonly string[],
    reason: string,
  ) {
    super("unavailable", "target_policy_unavailable", `not granted: ${deniedScopes.join(", ")} (${reason})`);
  }
}

/** A worker could not be reached, failed, or took too long. Nothing was vended. */
export class WorkerError extends CredvendError {
  override readonly name = "WorkerError";
  constructor(
    readonly worker: string,
    kind: "unavailable" | "timeout" | "upstream_failed" | "invalid_request",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(kind, kind === "invalid_request" ? "invalid_scope" : `worker_${kind}`, message, options);
  }
}

/** The ledger could not be read or written. */
export class LedgerError extends CredvendError {
  override readonly name = "LedgerError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("unavailable", "ledger_unavailable", message, options);
  }
}

/**
 * A vended credential and its vend event could not both be stored, so it must not be handed out.
 * `eventWritten`: the vend event did land (separate writes), and a failure event belongs beside it.
 */
export class VendNotRecordedError extends LedgerError {
  constructor(
    message: string,
    readonly eventWritten: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
