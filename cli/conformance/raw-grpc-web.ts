// Hand-made gRPC-web requests for what a well-behaved client never sends (a wrong content type, a
// truncated frame, an unknown method, a body past any cap), and a reader for whatever comes back:
// a trailers-only answer (status in the headers), trailer frames in the body, or plain HTTP.
import type { WorkerRequestSigner } from "../../functions/adapters/plugins/signed-worker-requests.js";

export const GRPC_WEB_CONTENT_TYPE = "application/grpc-web+proto";
export const SERVICE_PATH = "/credvend.plugin.v1.PluginService";

export interface RawRequest {
  readonly path: string;
  readonly body: Uint8Array;
  readonly contentType?: string;
  /** More headers (grpc-timeout). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Adds the caller's proof (the caller secret, a SigV4 signature) as the core's calls carry it; none when unset. */
  readonly sign?: WorkerRequestSigner;
  /** When to give up waiting for the answer (fetch aborts with a TimeoutError). */
  readonly timeoutMs: number;
}

export interface RawAnswer {
  readonly httpStatus: number;
  /** Undefined when the answer carried no gRPC status at all. */
  readonly grpcStatus?: number;
  readonly message: string;
  readonly elapsedMs: number;
}

/** A frame: flag byte, 4-byte big-endian length, payload. `declared` may lie about the length. */
export function frame(payload: Uint8Array, declared = payload.byteLength): Uint8Array {
  const bytes = new Uint8Array(5 + payload.byteLength);
  new DataView(bytes.buffer).setUint32(1, declared);
  bytes.set(payload, 5);
  return bytes;
}

export async function postRaw(baseUrl: string, request: RawRequest): Promise<RawAnswer> {
  const started = performance.now();
  const url = new URL(request.path, baseUrl);
  const headers = new Headers({ ...request.headers, "content-type": request.contentType ?? GRPC_WEB_CONTENT_TYPE, "x-grpc-web": "1" });
  await request.sign?.({ method: "POST", url, headers, body: request.body });
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: new Uint8Array(request.body),
    signal: AbortSignal.timeout(request.timeoutMs),
  });
  const body = new Uint8Array(await response.arrayBuffer());
  const elapsedMs = performance.now() - started;
  const fromHeaders = response.headers.get("grpc-status");
  if (fromHeaders !== null) {
    return {
      httpStatus: response.status,
      grpcStatus: Number(fromHeaders),
      message: decode(response.headers.get("grpc-message")),
      elapsedMs,
    };
  }
  const trailers = trailerFrame(body);
  if (trailers) return { httpStatus: response.status, ...trailers, elapsedMs };
  return { httpStatus: response.status, message: new TextDecoder().decode(body.subarray(0, 2000)), elapsedMs };
}

function trailerFrame(body: Uint8Array): { grpcStatus?: number; message: string } | undefined {
  let offset = 0;
  while (offset + 5 <= body.byteLength) {
    const flags = body[offset]!;
    const length = new DataView(body.buffer, body.byteOffset + offset + 1, 4).getUint32(0);
    const payload = body.subarray(offset + 5, offset + 5 + length);
    offset += 5 + length;
    if ((flags & 0x80) === 0) continue;
    const fields = new Map<string, string>();
    for (const line of new TextDecoder().decode(payload).split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const status = fields.get("grpc-status");
    return { ...(status === undefined ? {} : { grpcStatus: Number(status) }), message: decode(fields.get("grpc-message") ?? null) };
  }
  return undefined;
}

function decode(message: string | null): string {
  if (message === null) return "";
  try {
    return decodeURIComponent(message);
  } catch {
    return message;
  }
}
