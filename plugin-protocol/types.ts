import type { Claims } from "./claims.js";
import type { Scope } from "./scope.js";

// The plugin protocol in domain terms: what the broker and a worker exchange. convert.ts maps each
// type to and from the protobuf messages of proto/credvend/plugin/v1/plugin.proto.

export type Capability = "validate" | "analyze" | "serialize" | "prepare" | "vend" | "revoke";
export type Risk = "low" | "medium" | "high";

export interface WorkerDescription {
  readonly name: string;
  readonly version: string;
  readonly protocol: string;
  /** `major.minor` (protocol-version.ts); absent from a worker that predates it, which speaks 1.0. */
  readonly protocolVersion?: string;
  readonly providers: readonly string[];
  readonly capabilities: readonly Capability[];
  /** This deployment's configuration state; absent when the worker does not say (unknown). */
  readonly configuration?: WorkerConfiguration;
}

/** Whether a worker has what it needs to vend; `missing` names what it lacks, never a value. */
export interface WorkerConfiguration {
  readonly configured: boolean;
  readonly missing?: string;
}

export interface ScopeValidation {
  readonly scope: Scope;
  readonly valid: boolean;
  /** Canonical form, present when valid. */
  readonly normalized?: Scope;
  /** Why it is invalid; safe to show the caller. */
  readonly error?: string;
}

export interface ScopeAnalysis {
  readonly scope: Scope;
  readonly risk: Risk;
  readonly warnings: readonly string[];
}

export interface SerializedScopes {
  readonly serialized: Uint8Array;
  readonly mediaType: string;
}

export interface ScopeSetRequest {
  readonly scopes: readonly Scope[];
  readonly subject: Claims;
  readonly ttlSeconds: number;
}

export interface PrepareResult {
  readonly validations: readonly ScopeValidation[];
  /** Empty when any scope is invalid. */
  readonly analyses: readonly ScopeAnalysis[];
  /** Absent when any scope is invalid. */
  readonly serialized?: SerializedScopes;
}

export interface VendRequest extends ScopeSetRequest {
  readonly credentialId: string;
  readonly serialized: Uint8Array;
}

/**
 * Since 1.2: Vend with the preparation inline. The worker prepares `scopes` itself and vends only
 * if every one is valid and already canonical; otherwise it mints nothing and answers the refusal.
 */
export interface InlineVendRequest extends ScopeSetRequest {
  readonly credentialId: string;
}

/** A Vend with the preparation inline: minted (with Prepare's analyses), or refused, minting nothing. */
export type InlineVendAnswer =
  | { readonly status: "vended"; readonly result: VendResult; readonly analyses: readonly ScopeAnalysis[] }
  /** `prepared`: the worker's Prepare answer from the refusal; absent when it sent none. */
  | { readonly status: "scopes_not_canonical"; readonly prepared?: PrepareResult };

export interface VendResult {
  /** Provider-specific fields; every value is a leakable secret part. */
  readonly credential: Readonly<Record<string, string>>;
  readonly expiresAt: Date;
  readonly revocable: boolean;
  readonly upstreamRef: string;
  readonly notes: readonly string[];
  /**
   * Where a human revokes this credential by hand (a console page), shown in leak alerts when it
   * cannot be revoked automatically; absent when the worker has none. Not a secret.
   */
  readonly manualRevocationUrl?: string;
}

export interface RevokeRequest {
  readonly credentialId: string;
  readonly scopes: readonly Scope[];
  readonly upstreamRef: string;
  readonly expiresAt: Date;
}

export interface RevokeResult {
  /** `manual_required`: this worker cannot revoke it, now or on a retry; a human must (detail says why). */
  readonly outcome: "revoked" | "already_gone" | "manual_required";
  readonly detail: string;
}

/** Since 1.2 (TrustPolicy): the core asks a worker what a target holds for an identity. */
export interface TrustPolicyRequest {
  /** The scope's resource (github: owner/repo), as requested. */
  readonly target: string;
  /** Checked against IDENTITY_PATTERN (identity.ts) on both sides. */
  readonly identity: string;
  /** The etag of the copy the core holds. */
  readonly ifNoneMatch?: string;
}

/** Where a policy file was read, and at which commit. */
export interface TrustPolicyLocation {
  readonly path: string;
  readonly repository: string;
  readonly commitSha: string;
}

/** What a worker's implementation reads (plugin-workers/sdk: PluginImplementation.trustPolicy). */
export type TrustPolicyFile =
  | ({
      readonly status: "found";
      readonly content: Uint8Array;
      readonly defaultBranch: string;
      readonly etag: string;
    } & TrustPolicyLocation)
  | { readonly status: "not_found" }
  | { readonly status: "not_modified"; readonly etag: string }
  | ({ readonly status: "too_large" } & TrustPolicyLocation);

/** What the core receives: the SDK has parsed the file strictly into `documentJson`, or says why not. */
export type TrustPolicyResult =
  | ({
      readonly status: "found";
      readonly documentJson: string;
      readonly defaultBranch: string;
      readonly etag: string;
    } & TrustPolicyLocation)
  | ({ readonly status: "invalid"; readonly problems: readonly string[]; readonly etag: string } & TrustPolicyLocation)
  | { readonly status: "not_found" }
  | { readonly status: "not_modified"; readonly etag: string }
  | ({ readonly status: "too_large" } & TrustPolicyLocation);
