// The core's PluginClient over gRPC-web (ConnectRPC), on keep-alive HTTP/1.1 (worker-http-client.ts).
// Each call is signed as it goes out (SigV4 on AWS, the caller secret locally) and gets its own
// deadline; the idempotent calls are retried on transient failures, Vend and Revoke never are. A
// circuit breaker per worker fails fast while the worker is down, and answers are capped in size.
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createTransport } from "@connectrpc/connect/protocol-grpc-web";
import { WorkerError } from "../../core/errors.js";
import { CircuitBreaker, CircuitOpenError, type CircuitBreakerOptions } from "./circuit-breaker.js";
import { ResponseTooLargeError, sizeCappedHttpClient } from "./response-size-cap.js";
import { signedWorkerHttpClient, type WorkerRequestSigner } from "./signed-worker-requests.js";
import { fetchWorkerHttpClient, nodeWorkerHttpClient } from "./worker-http-client.js";
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
  VendRequest,
  VendResult,
  WorkerDescription,
} from "../../../plugin-protocol/types.js";
import type { Scope } from "../../../plugin-protocol/scope.js";
import type { SingleStepPluginClient, TrustPolicyAnswer } from "../../core/ports/plugin-client.js";
import { inlineVendRequestToProto, inlineVendResultFromProto } from "../../../plugin-protocol/convert-inline-vend.js";
import { trustPolicyRequestToProto, trustPolicyResultFromProto } from "../../../plugin-protocol/convert-trust-policy.js";
import { PluginService, PrepareResponseSchema } from "../../../proto/gen/credvend/plugin/v1/plugin_pb.js";
import {
  analysisFromProto,
  describeFromProto,
  prepareFromProto,
  revokeRequestToProto,
  revokeResultFromProto,
  scopeSetRequestToProto,
  scopeToProto,
  serializedFromProto,
  validationFromProto,
  vendRequestToProto,
  vendResultFromProto,
} from "../../../plugin-protocol/convert.js";

export interface GrpcWebPluginClientOptions {
  /** Registration name, used in error messages. */
  readonly name: string;
  readonly baseUrl: string;
  /** Adds the caller's proof to every call: SigV4 for Function URLs, the caller secret locally. */
  readonly sign?: WorkerRequestSigner;
  /** Instead of keep-alive HTTP/1.1 over node:http: an app's in-process fetch in tests. */
  readonly fetch?: typeof fetch;
  /** Deadline of one attempt. Default 5000. */
  readonly timeoutMs?: number;
  /** Extra attempts for idempotent calls after a transient failure. Default 2. */
  readonly maxRetries?: number;
  /** First backoff step; doubles per retry, with full jitter. Default 50. */
  readonly retryBaseDelayMs?: number;
  /** Largest accepted response body. Default 1 MiB. */
  readonly maxResponseBytes?: number;
  /** This worker's circuit breaker settings (one breaker per client). */
  readonly breaker?: CircuitBreakerOptions;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

type Service = Client<typeof PluginService>;

const MAX_CALLER_MESSAGE = 300;

export class GrpcWebPluginClient implements SingleStepPluginClient {
  readonly name: string;
  private readonly service: Service;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseDelayMs: number;
  private readonly maxResponseBytes: number;
  readonly breaker: CircuitBreaker;

  constructor(options: GrpcWebPluginClientOptions) {
    this.name = options.name;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.maxRetries = Math.max(0, options.maxRetries ?? 2);
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 50;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.breaker = new CircuitBreaker(options.breaker);
    const http = options.fetch ? fetchWorkerHttpClient(options.fetch) : nodeWorkerHttpClient();
    const transport = createTransport({
      baseUrl: options.baseUrl,
      httpClient: sizeCappedHttpClient(signedWorkerHttpClient(http, options.sign), this.maxResponseBytes),
      useBinaryFormat: true,
      interceptors: [],
      // Workers answer small messages uncompressed; compressed ones would slip past the byte cap.
      acceptCompression: [],
      sendCompression: null,
      compressMinBytes: Number.MAX_SAFE_INTEGER,
      // The byte cap above is the one limit on answers (and names itself in the error).
      readMaxBytes: 0xffffffff,
      writeMaxBytes: 0xffffffff,
    });
    this.service = createClient(PluginService, transport);
  }

  describe(): Promise<WorkerDescription> {
    return this.idempotent("Describe", async (call) => describeFromProto(await this.service.describe({}, call)));
  }

  prepare(request: ScopeSetRequest): Promise<PrepareResult> {
    const message = scopeSetRequestToProto(request);
    return this.idempotent("Prepare", async (call) => prepareFromProto(await this.service.prepare(message, call)));
  }

  /** The single-step RPCs, for tools and workers that do not serve Prepare. */
  validate(scopes: readonly Scope[]): Promise<ScopeValidation[]> {
    const message = { scopes: scopes.map(scopeToProto) };
    return this.idempotent("ValidateScope", async (call) =>
      (await this.service.validateScope(message, call)).results.map(validationFromProto),
    );
  }

  analyze(request: ScopeSetRequest): Promise<ScopeAnalysis[]> {
    const message = scopeSetRequestToProto(request);
    return this.idempotent("AnalyzeScope", async (call) => (await this.service.analyzeScope(message, call)).results.map(analysisFromProto));
  }

  serialize(request: ScopeSetRequest): Promise<SerializedScopes> {
    const message = scopeSetRequestToProto(request);
    return this.idempotent("SerializeScope", async (call) => serializedFromProto(await this.service.serializeScope(message, call)));
  }

  vend(request: VendRequest): Promise<VendResult> {
    const message = vendRequestToProto(request);
    return this.once("Vend", async (call) => vendResultFromProto(await this.service.vend(message, call)));
  }

  /**
   * Protocol 1.2's Vend with the preparation inline; never retried, like Vend. The worker's refusal
   * (FAILED_PRECONDITION: a scope invalid or not canonical, nothing minted) is an answer carrying its
   * Prepare result, not a failure: it must not count against the circuit.
   */
  vendWithPreparation(request: InlineVendRequest): Promise<InlineVendAnswer> {
    const message = inlineVendRequestToProto(request);
    return this.once("Vend", async (call): Promise<InlineVendAnswer> => {
      try {
        return { status: "vended", ...inlineVendResultFromProto(await this.service.vend(message, call)) };
      } catch (error) {
        if (!(error instanceof ConnectError) || error.code !== Code.FailedPrecondition) throw error;
        const [prepared] = error.findDetails(PrepareResponseSchema);
        return { status: "scopes_not_canonical", ...(prepared ? { prepared: prepareFromProto(prepared) } : {}) };
      }
    });
  }

  revoke(request: RevokeRequest): Promise<RevokeResult> {
    const message = revokeRequestToProto(request);
    return this.once("Revoke", async (call) => revokeResultFromProto(await this.service.revoke(message, call)));
  }

  /**
   * Idempotent (a read). A worker that does not serve it (before 1.2, or by choice) answers
   * UNIMPLEMENTED: that is an answer, `unsupported`, and must not count against its circuit.
   */
  trustPolicy(request: TrustPolicyRequest): Promise<TrustPolicyAnswer> {
    const message = trustPolicyRequestToProto(request);
    return this.idempotent("TrustPolicy", async (call): Promise<TrustPolicyAnswer> => {
      try {
        return trustPolicyResultFromProto(await this.service.trustPolicy(message, call));
      } catch (error) {
        if (error instanceof ConnectError && error.code === Code.Unimplemented) return { status: "unsupported" };
        throw error;
      }
    });
  }

  private async idempotent<T>(method: string, run: (call: CallOptions) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(method, run);
      } catch (error) {
        const mapped = error as WorkerError;
        // Only failures that say nothing was processed are worth another try; a timeout is not
        // retried, so a hung worker costs one deadline, not three; an open circuit not at all.
        if (mapped.kind !== "unavailable" || mapped.cause instanceof CircuitOpenError || attempt >= this.maxRetries) throw mapped;
        await sleep(Math.random() * this.retryBaseDelayMs * 2 ** attempt);
      }
    }
  }

  /** One attempt through the breaker; always rejects with a WorkerError. */
  private async once<T>(method: string, run: (call: CallOptions) => Promise<T>): Promise<T> {
    try {
      return await this.breaker.run(
        () => this.attempt(run).catch((error: unknown) => Promise.reject(this.toWorkerError(method, error))),
        // A caller's bad scope is the worker working correctly: it must not open the circuit.
        (error) => !(error instanceof WorkerError && error.kind === "invalid_request"),
      );
    } catch (error) {
      if (error instanceof CircuitOpenError)
        throw new WorkerError(this.name, "unavailable", `worker ${this.name} is unavailable (circuit open after repeated failures)`, {
          cause: error,
        });
      throw error;
    }
  }

  // Connect's deadline only fires if fetch honours the abort signal; racing it as well covers an
  // in-process fetch that does not.
  private attempt<T>(run: (call: CallOptions) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new ConnectError("deadline exceeded", Code.DeadlineExceeded);
        controller.abort(error);
        reject(error);
      }, this.timeoutMs);
    });
    const call = run({ signal: controller.signal, timeoutMs: this.timeoutMs });
    call.catch(() => undefined); // settled by the race; avoid an unhandled rejection after a timeout
    return Promise.race([call, deadline]).finally(() => clearTimeout(timer));
  }

  private toWorkerError(method: string, error: unknown): WorkerError {
    const worker = this.name;
    if (error instanceof WorkerError) return error;
    if (!(error instanceof ConnectError)) {
      return new WorkerError(worker, "upstream_failed", `worker ${worker} sent an invalid ${method} answer`, { cause: error });
    }
    if (hasCause(error, ResponseTooLargeError)) {
      return new WorkerError(
        worker,
        "upstream_failed",
        `worker ${worker} answered ${method} with more than ${this.maxResponseBytes} bytes`,
        {
          cause: error,
        },
      );
    }
    if (error.code === Code.DeadlineExceeded) {
      return new WorkerError(worker, "timeout", `worker ${worker} did not answer ${method} within ${this.timeoutMs} ms`, {
        cause: error,
      });
    }
    if (isNetworkFailure(error)) return new WorkerError(worker, "unavailable", `worker ${worker} is unavailable`, { cause: error });
    if (error.code === Code.Unavailable) {
      // Sent by the worker (PluginError: written for the caller), e.g. "not configured" or throttled upstream.
      return new WorkerError(worker, "unavailable", `worker ${worker} is unavailable: ${callerMessage(error.rawMessage)}`, {
        cause: error,
      });
    }
    if (error.code === Code.PermissionDenied || error.code === Code.NotFound) {
      return new WorkerError(worker, "upstream_failed", `worker ${worker} failed during ${method}: ${callerMessage(error.rawMessage)}`, {
        cause: error,
      });
    }
    if (error.code === Code.InvalidArgument) {
      // The worker's message here is written for the caller (which scope, why).
      return new WorkerError(worker, "invalid_request", callerMessage(error.rawMessage), { cause: error });
    }
    return new WorkerError(worker, "upstream_failed", `worker ${worker} failed during ${method}`, { cause: error });
  }
}

interface CallOptions {
  signal: AbortSignal;
  timeoutMs: number;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** fetch() rejects with TypeError("fetch failed") and the socket error as cause. */
function isNetworkFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
    if (current instanceof TypeError && current.message === "fetch failed") return true;
    current = current.cause;
  }
  return false;
}

function hasCause(error: unknown, type: new (...args: never[]) => Error): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    if (current instanceof type) return true;
    current = (current as Error).cause;
  }
  return false;
}

function callerMessage(message: string): string {
  const text = message.trim() || "invalid request";
  return text.length > MAX_CALLER_MESSAGE ? `${text.slice(0, MAX_CALLER_MESSAGE - 3)}...` : text;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
