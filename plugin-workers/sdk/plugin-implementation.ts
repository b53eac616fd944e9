// What a plugin author writes: the worker's steps in domain terms. The SDK turns it into the
// gRPC-web service; Describe's capabilities follow from which optional methods exist.
import type {
  RevokeRequest,
  RevokeResult,
  ScopeAnalysis,
  ScopeSetRequest,
  ScopeValidation,
  SerializedScopes,
  TrustPolicyRequest,
  TrustPolicyResult,
  VendRequest,
  VendResult,
  WorkerConfiguration,
} from "../../plugin-protocol/types.js";
import type { Scope } from "../../plugin-protocol/scope.js";

export type Awaitable<T> = T | Promise<T>;

export interface PluginImplementation {
  readonly name: string;
  readonly version: string;
  /** Scope providers served, e.g. ["local"]. */
  readonly providers: readonly string[];
  /** One result per scope, in order. An invalid scope carries an error safe to show the caller. */
  validate(scopes: readonly Scope[]): Awaitable<readonly ScopeValidation[]>;
  /** One result per scope, in order; only called with valid, normalized scopes. */
  analyze?(request: ScopeSetRequest): Awaitable<readonly ScopeAnalysis[]>;
  /** The provider's form of the whole set, handed back in VendRequest.serialized. */
  serialize(request: ScopeSetRequest): Awaitable<SerializedScopes>;
  vend(request: VendRequest): Awaitable<VendResult>;
  revoke?(request: RevokeRequest): Awaitable<RevokeResult>;
  /**
   * Protocol 1.2, optional: the trust policy file `target` holds for `identity` (already checked
   * against IDENTITY_PATTERN), read where only the target's owners can write it, and its YAML parsed
   * strictly: return `parsedTrustPolicy(file)` (strict-yaml.ts). The core compiles and evaluates it. Throw PluginError
   * "unavailable" when the upstream fails (the core denies), "invalid_argument" for a target this
   * provider does not know. Without it the SDK answers UNIMPLEMENTED: no delegation for its providers.
   */
  trustPolicy?(request: TrustPolicyRequest): Awaitable<TrustPolicyResult>;
  /**
   * Whether this deployment can vend (its role, its App key…), answered in Describe so an operator
   * sees "not configured" before a vend does; `missing` names what is missing, never a value.
   * Leave it out and Describe says nothing: the core reads that as unknown.
   */
  configuration?(): Awaitable<WorkerConfiguration>;
}
