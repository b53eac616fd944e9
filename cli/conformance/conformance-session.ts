// What every check shares: the worker's Connect client (the core's own gRPC-web transport, signed
// as the core signs: the caller secret locally, SigV4 for a Function URL), raw requests, and what
// was seen along the way: each error's code and message, every text a worker returned, the secrets
// it must never repeat, the fastest and slowest answers, and the short-deadline probe's outcome.
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createTransport } from "@connectrpc/connect/protocol-grpc-web";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { sizeCappedHttpClient } from "../../functions/adapters/plugins/response-size-cap.js";
import { signedWorkerHttpClient } from "../../functions/adapters/plugins/signed-worker-requests.js";
import { nodeWorkerHttpClient } from "../../functions/adapters/plugins/worker-http-client.js";
import { PluginService } from "../../proto/gen/credvend/plugin/v1/plugin_pb.js";
import { type CallerProof, callerProofOf, type SigV4Proof } from "./caller-proof.js";
import { postRaw, type RawAnswer, type RawRequest } from "./raw-grpc-web.js";

export type PluginServiceClient = Client<typeof PluginService>;

export interface ConformanceOptions {
  readonly url: string;
  readonly callerSecret?: string;
  /** Sign every call with SigV4 (a Function URL with AWS_IAM auth) instead of a caller secret. */
  readonly sigv4?: SigV4Proof;
  /** The deadline of every call (the core's default: 5000 ms). */
  readonly timeoutMs: number;
}

/** A raw call goes with the kit's proof, none, or a wrong one (the caller checks). */
export type RawCall = Omit<RawRequest, "timeoutMs" | "sign"> & { readonly as?: "caller" | "nobody" | "wrong"; readonly timeoutMs?: number };

export interface SeenError {
  readonly method: string;
  readonly code: number;
  readonly message: string;
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ConnectError };

export class ConformanceSession {
  readonly client: PluginServiceClient;
  readonly proof: CallerProof;
  readonly errors: SeenError[] = [];
  /** Every non-credential text a worker answered with (notes, refs, details, validation errors). */
  readonly texts: { readonly where: string; readonly text: string }[] = [];
  /** Values no answer may ever contain: the caller secrets, every vended credential value. */
  readonly secrets = new Map<string, string>();
  slowest = { method: "", ms: 0 };
  fastestMs = Number.POSITIVE_INFINITY;
  missedDeadlines: string[] = [];
  /** What the short-deadline probe found (deadline-check.ts): a problem, or what it saw. */
  shortDeadline?: { readonly ok: boolean; readonly text: string };

  constructor(readonly options: ConformanceOptions) {
    this.proof = callerProofOf(options);
    const http = signedWorkerHttpClient(nodeWorkerHttpClient(), this.proof.sign);
    const transport = createTransport({
      baseUrl: options.url,
      httpClient: sizeCappedHttpClient(http, DEFAULT_MAX_RESPONSE_BYTES),
      useBinaryFormat: true,
      interceptors: [],
      acceptCompression: [],
      sendCompression: null,
      compressMinBytes: Number.MAX_SAFE_INTEGER,
      readMaxBytes: 0xffffffff,
      writeMaxBytes: 0xffffffff,
    });
    this.client = createClient(PluginService, transport);
    for (const [secret, what] of this.proof.secrets) this.secrets.set(secret, what);
  }

  /** One RPC under the deadline; a failure is recorded and returned, never thrown. */
  async call<T>(method: string, run: (options: { timeoutMs: number; signal: AbortSignal }) => Promise<T>): Promise<Outcome<T>> {
    const started = performance.now();
    try {
      const value = await run({ timeoutMs: this.options.timeoutMs, signal: AbortSignal.timeout(this.options.timeoutMs + 500) });
      return { ok: true, value };
    } catch (caught) {
      const error = ConnectError.from(caught);
      if (error.code === Code.DeadlineExceeded) this.missedDeadlines.push(method);
      else this.errors.push({ method, code: error.code, message: error.rawMessage });
      return { ok: false, error };
    } finally {
      this.time(method, performance.now() - started);
    }
  }

  /** A hand-made request (raw-grpc-web.ts); its gRPC status and message are recorded like any other. */
  async raw(method: string, { as = "caller", timeoutMs = this.options.timeoutMs, ...request }: RawCall): Promise<RawAnswer> {
    const sign = as === "caller" ? this.proof.sign : as === "wrong" ? this.proof.wrong.sign : undefined;
    const answer = await postRaw(this.options.url, { ...request, timeoutMs, ...(sign ? { sign } : {}) });
    this.time(method, answer.elapsedMs);
    if (answer.grpcStatus !== undefined && answer.grpcStatus !== 0)
      this.errors.push({ method, code: answer.grpcStatus, message: answer.message });
    else if (answer.httpStatus >= 400) this.texts.push({ where: `${method} (HTTP ${answer.httpStatus})`, text: answer.message });
    return answer;
  }

  saw(where: string, ...texts: readonly (string | undefined)[]): void {
    for (const text of texts) if (text) this.texts.push({ where, text });
  }

  private time(method: string, ms: number): void {
    if (ms > this.slowest.ms) this.slowest = { method, ms };
    this.fastestMs = Math.min(this.fastestMs, ms);
  }
}

export function codeName(code: number): string {
  const name = Code[code];
  return name === undefined ? `code ${code}` : `${name.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase()} (${code})`;
}
