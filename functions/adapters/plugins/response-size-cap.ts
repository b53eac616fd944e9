// Worker answers may not exceed a byte limit: a worker (or whatever answers at its URL) cannot
// make the core buffer an arbitrarily large answer. A declared length over the cap is refused
// before reading; a body that grows past it stops being read at once. Either way the body's
// iterator is thrown into, which makes the HTTP client drop the connection.
import type { WorkerHttpClient } from "./worker-http-client.js";

export class ResponseTooLargeError extends Error {
  override readonly name = "ResponseTooLargeError";
  constructor(readonly limit: number) {
    super(`response body larger than ${limit} bytes`);
  }
}

export function sizeCappedHttpClient(inner: WorkerHttpClient, maxBytes: number): WorkerHttpClient {
  return async (request) => {
    const response = await inner(request);
    const declared = Number(response.header.get("content-length") ?? "0");
    if (declared > maxBytes) await refuse(response.body[Symbol.asyncIterator](), maxBytes);
    return { ...response, body: capped(response.body, maxBytes) };
  };
}

async function* capped(body: AsyncIterable<Uint8Array>, maxBytes: number): AsyncIterable<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]();
  let total = 0;
  for (;;) {
    const { done, value } = await chunks.next();
    if (done) return;
    total += value.byteLength;
    if (total > maxBytes) await refuse(chunks, maxBytes);
    yield value;
  }
}

async function refuse(chunks: AsyncIterator<Uint8Array>, maxBytes: number): Promise<never> {
  const error = new ResponseTooLargeError(maxBytes);
  try {
    await chunks.throw?.(error);
  } catch {
    // The iterator rethrows what it was given: the error below says it.
  }
  throw error;
}
