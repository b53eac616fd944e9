// A fetch whose response bodies may not exceed a byte limit: a worker (or whatever answers at its
// URL) cannot make the core buffer an arbitrarily large answer.
import { readCapped } from "../../../plugin-protocol/read-capped.js";

export class ResponseTooLargeError extends Error {
  override readonly name = "ResponseTooLargeError";
  constructor(readonly limit: number) {
    super(`response body larger than ${limit} bytes`);
  }
}

export function sizeCappedFetch(inner: typeof fetch, maxBytes: number): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new ResponseTooLargeError(maxBytes);
    }
    if (!response.body) return response;
    const body = await readCapped(response.body, maxBytes);
    if (!body) throw new ResponseTooLargeError(maxBytes);
    // fetch already decoded the body: its encoding and length headers no longer describe it.
    const headers = new Headers(response.headers);
    headers.delete("content-encoding");
    headers.delete("content-length");
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  };
}
