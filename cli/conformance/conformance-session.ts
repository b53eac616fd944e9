// What every check shares: the worker's Connect client (the core's own gRPC-web transport, signed
// with the caller secret as the local stack signs), raw requests, and what was seen along the way:
// each error's code and message, every text a worker returned, the secrets it must never repeat,
// and the slowest answer against the deadline.
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createTransport } from "@connectrpc/connect/protocol-grpc-web";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { sizeCappedHttpClient } from "../../functions/adapters/plugins/response-size-cap.js";
import { signedWorkerHttpClient } from "../../functions/adapters/plugins/signed-worker-requests.js";
import { nodeWorkerHttpClient } from "../../functions/adapters/plugins/worker-http-client.js";
import { PluginService } from "../../proto/gen/credvend/plugin/v1/plugin_pb.js";
import { callerSecretSigner } from "../dev/worker-caller-secret.js";
import { postRaw, type RawAnswer, type RawRequest } from "./raw-grpc-web.js";

export type PluginServiceClient = Client<typeof PluginService>;

export interface ConformanceOptions {
  readonly url: string;
  readonly callerSecret?: string;
  /** The deadline of every call (the core's default: 5000 ms). */
  readonly timeoutMs: number;
}

export interface SeenError {
  readonly method: string;
  readonly code: number;
  readonly message: string;
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ConnectError };

export class ConformanceSession {
  readonly client: PluginServiceClient;
  readonly errors: SeenError[] = [];
  /** Every non-credential text a worker answered with (notes, refs, details, validation errors). */
  readonly texts: { readonly where: string; readonly text: string }[] = [];
  /** Values no answer may ever contain: the caller secrets, every vended credential value. */
  readonly secrets = new Map<string, string>();
  slowest = { method: "", ms: 0 };
  missedDeadlines: string[] = [];

  constructor(readonly options: ConformanceOptions) {
    const http = signedWorkerHttpClient(
      nodeWorkerHttpClient(),
      options.callerSecret === undefined ? undefined : callerSecretSigner(options.callerSecret),
    );
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
    if (options.callerSecret !== undefined) this.secrets.set(options.callerSecret, "the caller secret");
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
  async raw(method: string, request: Omit<RawRequest, "timeoutMs">): Promise<RawAnswer> {
    const answer = await postRaw(this.options.url, { ...request, timeoutMs: this.options.timeoutMs });
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
  }
}

export function codeName(code: number): string {
  const name = Code[code];
  return name === undefined ? `code ${code}` : `${name.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase()} (${code})`;
}
