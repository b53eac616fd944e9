// How the core's gRPC-web calls reach a worker, as Connect's UniversalClientFn. On Node: HTTP/1.1
// through node:http(s) with keep-alive (Node's global agents keep connections open since Node 19;
// a test checks one connection carries many calls), which costs a fraction of fetch's per-call
// work. A fetch (an app's in-process fetch in tests) can stand in for the network.
import type { UniversalClientFn, UniversalClientRequest } from "@connectrpc/connect/protocol";
import { createNodeHttpClient } from "@connectrpc/connect-node";

export type WorkerHttpClient = UniversalClientFn;

/** Keep-alive HTTP/1.1 over node:http / node:https. */
export function nodeWorkerHttpClient(): WorkerHttpClient {
  return createNodeHttpClient({ httpVersion: "1.1" });
}

/** A fetch as the transport (an app's in-process fetch; a fault-injecting one in tests). */
export function fetchWorkerHttpClient(fetchFn: typeof fetch): WorkerHttpClient {
  return async (request) => {
    const body = await bodyBytes(request);
    const response = await fetchFn(request.url, {
      method: request.method,
      headers: request.header,
      ...(request.signal ? { signal: request.signal } : {}),
      ...(body.byteLength > 0 ? { body } : {}),
    });
    return { status: response.status, header: response.headers, body: chunksOf(response.body), trailer: new Headers() };
  };
}

/** A unary call's request body in one piece (it is one small envelope). */
export async function bodyBytes(request: UniversalClientRequest): Promise<Uint8Array<ArrayBuffer>> {
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of request.body) {
    chunks.push(chunk);
    total += chunk.byteLength;
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

export async function* oneChunk(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  if (bytes.byteLength > 0) yield bytes;
}

async function* chunksOf(stream: ReadableStream<Uint8Array> | null): AsyncIterable<Uint8Array> {
  if (!stream) return;
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    // Left early (a capped answer, an error): stop the body.
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}
