// The core's view of a plugin worker: the protocol's steps as one port. The gRPC-web adapter
// (adapters/plugins/) implements it; the types it speaks are the plugin contract's.
import type { Scope } from "../../../plugin-protocol/scope.js";
import type {
  InlineVendAnswer,
  InlineVendRequest,
  PrepareResult,
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
  WorkerDescription,
} from "../../../plugin-protocol/types.js";

/** A worker's TrustPolicy answer; `unsupported` from a worker that does not serve it (before 1.2, or by choice). */
export type TrustPolicyAnswer = TrustPolicyResult | { readonly status: "unsupported" };

/**
 * One worker. Implementations raise `WorkerError` (../errors.ts) for transport failures, time-outs
 * and worker-side failures; the message never carries the worker's internals.
 */
export interface PluginClient {
  /** The registration name of the worker. */
  readonly name: string;
  describe(): Promise<WorkerDescription>;
  /** Validate + analyze + serialize in one round trip. */
  prepare(request: ScopeSetRequest): Promise<PrepareResult>;
  vend(request: VendRequest): Promise<VendResult>;
  /**
   * Protocol 1.2: Vend with the preparation inline, one round trip. Present only for a worker whose
   * verified version has it; the pipeline then tries it first and falls back on the refusal.
   */
  vendInline?(request: InlineVendRequest): Promise<InlineVendAnswer>;
  revoke(request: RevokeRequest): Promise<RevokeResult>;
  /** Protocol 1.2: the trust policy a target holds for an identity. Absent: delegation is unavailable for this worker. */
  trustPolicy?(request: TrustPolicyRequest): Promise<TrustPolicyAnswer>;
}

/**
 * Every RPC of the wire, whatever the worker's version: protocol 1.0's single steps for a worker
 * without Prepare, and the inline Vend (under its own name, so that only protocol-steps.ts hands it
 * out as `vendInline`, after checking the worker's version).
 */
export interface SingleStepPluginClient extends PluginClient {
  vendWithPreparation(request: InlineVendRequest): Promise<InlineVendAnswer>;
  validate(scopes: readonly Scope[]): Promise<ScopeValidation[]>;
  analyze(request: ScopeSetRequest): Promise<ScopeAnalysis[]>;
  serialize(request: ScopeSetRequest): Promise<SerializedScopes>;
}

/** Finds the worker that serves a scope provider. */
export interface PluginDirectory {
  /** `undefined` when no worker serves this provider. */
  forProvider(provider: string): Promise<PluginClient | undefined>;
  /** The providers some worker serves, for error messages. */
  providers(): readonly string[];
  /**
   * Starts what forProvider will wait for (a cold start's worker verification) without waiting;
   * never throws. Directories with nothing to prepare leave it out.
   */
  prefetch?(provider: string): void;
}
