// Lambda's GetFunctionConfiguration as one SigV4-signed GET of its REST API
// (`GET /2015-03-31/functions/{FunctionName}/configuration`), with the signer the worker calls
// already use: the deployed functions need nothing else of Lambda, and @aws-sdk/client-lambda
// weighed ~70 KiB of each bundle for this one call. A qualified ARN (`…:function:name:alias`) in
// the path names a version or alias as the Qualifier parameter would.
// The answer carries the workers' environment variable VALUES, which may be secrets: no error
// here quotes the body; a refusal names the HTTP status and Lambda's error type only.
import type { AwsCredentialIdentity } from "@smithy/types";
import { readCapped } from "../../../plugin-protocol/read-capped.js";
import { sigV4Signer } from "./sigv4-signer.js";
import type { WorkerRequestSigner } from "./signed-worker-requests.js";

export interface LambdaConfigurationApiOptions {
  readonly region: string;
  /** Resolved on every call, so rotated function credentials are picked up. */
  readonly credentials: () => Promise<AwsCredentialIdentity>;
  /** Lambda's API elsewhere (moto in tests; AWS_ENDPOINT_URL_LAMBDA); default its regional endpoint. */
  readonly endpoint?: string;
  readonly fetch?: typeof fetch;
  /** Per attempt, connect to last body byte; default 5 s. */
  readonly timeoutMs?: number;
  /** Largest answer read; default 64 KiB (a configuration is a few KiB: variables are capped at 4 KiB). */
  readonly maxBytes?: number;
}

/** Throttling and Lambda's own failures are tried once more (the SDK client retried them too). */
const RETRIED_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRY_DELAY_MS = 200;

export class LambdaConfigurationApi {
  private readonly sign: WorkerRequestSigner;
  private readonly endpoint: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(options: LambdaConfigurationApiOptions) {
    this.sign = sigV4Signer({ region: options.region, service: "lambda", credentials: options.credentials });
    this.endpoint = (options.endpoint ?? `https://lambda.${options.region}.amazonaws.com`).replace(/\/+$/, "");
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.maxBytes = options.maxBytes ?? 64 * 1024;
  }

  /** The function's configuration as Lambda's JSON, unchecked: the caller picks what it needs. */
  async getFunctionConfiguration(functionName: string): Promise<unknown> {
    const url = new URL(`${this.endpoint}/2015-03-31/functions/${encodeURIComponent(functionName)}/configuration`);
    try {
      return await this.attempt(url, functionName);
    } catch (error) {
      if (!(error instanceof RetriableError)) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      return this.attempt(url, functionName);
    }
  }

  private async attempt(url: URL, functionName: string): Promise<unknown> {
    const what = `Lambda GetFunctionConfiguration for ${functionName}`;
    const headers = new Headers({ accept: "application/json" });
    await this.sign({ method: "GET", url, headers, body: new Uint8Array() });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`${what}: no complete answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    try {
      let response: Response;
      try {
        response = await this.fetch(url, { headers, signal: controller.signal, redirect: "error" });
      } catch (error) {
        // A timeout is not tried again: a second one would double the wait of the request behind it.
        if (controller.signal.aborted) throw controller.signal.reason;
        throw new RetriableError(`${what} failed: ${(error as Error).message}`, { cause: error });
      }
      const body = await readCapped(response.body, this.maxBytes);
      if (!response.ok) {
        const message = `${what} answered HTTP ${response.status} (${errorType(response.headers, body)})`;
        throw RETRIED_STATUS.has(response.status) ? new RetriableError(message) : new Error(message);
      }
      if (!body) throw new Error(`${what}: the answer is over the ${this.maxBytes} byte cap`);
      try {
        return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
      } catch {
        throw new Error(`${what}: the answer is not JSON`);
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

class RetriableError extends Error {}

/**
 * Lambda's error type as the SDK reads it (x-amzn-errortype, else the body's `code` or `__type`),
 * cut to its name ("ResourceNotFoundException:http://…" → "ResourceNotFoundException"). Only a
 * name-shaped value is shown: nothing else of the body reaches the message.
 */
function errorType(headers: Headers, body: Uint8Array | undefined): string {
  let raw: unknown = headers.get("x-amzn-errortype");
  if (!raw && body) {
    try {
      const parsed: unknown = JSON.parse(new TextDecoder().decode(body));
      if (typeof parsed === "object" && parsed !== null)
        raw = (parsed as { code?: unknown }).code ?? (parsed as { __type?: unknown }).__type;
    } catch {
      // not JSON: no type to show
    }
  }
  if (typeof raw !== "string") return "no error type";
  const name = raw.split(",")[0]!.split(":")[0]!.split("#").pop()!;
  return /^[A-Za-z][A-Za-z0-9_.]{0,99}$/.test(name) ? name : "an unreadable error type";
}
