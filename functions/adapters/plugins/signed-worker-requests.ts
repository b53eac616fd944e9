// What proves the core to a worker, added to each call as it goes out: a SigV4 signature for a
// Function URL with AWS_IAM auth (sigv4-signer.ts), the local stack's caller secret on loopback.
// The body is buffered first (a unary call is one small envelope): SigV4 hashes it, and a known
// Content-Length spares the worker a chunked request.
import { bodyBytes, oneChunk, type WorkerHttpClient } from "./worker-http-client.js";

/** The request about to go out; a signer reads it and sets headers on it. */
export interface OutgoingWorkerRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

export type WorkerRequestSigner = (request: OutgoingWorkerRequest) => void | Promise<void>;

export function signedWorkerHttpClient(inner: WorkerHttpClient, sign?: WorkerRequestSigner): WorkerHttpClient {
  return async (request) => {
    const body = await bodyBytes(request);
    const headers = new Headers(request.header);
    headers.set("content-length", String(body.byteLength));
    await sign?.({ method: request.method, url: new URL(request.url), headers, body });
    return inner({ ...request, header: headers, body: oneChunk(body) });
  };
}
