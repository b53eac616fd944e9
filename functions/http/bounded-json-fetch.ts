// Fetches a small JSON document from a remote party we only partly trust (an identity provider's
// discovery document or key set): one deadline covers connect, headers and body, the body is
// streamed and abandoned past a byte cap, and redirects are refused so keys come only from the
// configured place. Every failure is a plain Error; callers map it to their own domain error.

import { readCapped } from "../../plugin-protocol/read-capped.js";

export interface BoundedFetchOptions {
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

export async function fetchJsonBounded(url: string, options: BoundedFetchOptions): Promise<unknown> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`no complete response from ${url} within ${options.timeoutMs} ms`)),
    options.timeoutMs,
  );
  try {
    const response = await options.fetch(url, {
      signal: controller.signal,
      redirect: "error",
      headers: { accept: "application/json" },
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status} from ${url}`);
    }
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (declared > options.maxBytes) {
      await response.body?.cancel();
      throw new Error(`response from ${url} declares ${declared} bytes, over the ${options.maxBytes} cap`);
    }
    const bytes = await readCapped(response.body, options.maxBytes);
    if (!bytes) throw new Error(`response from ${url} is over the ${options.maxBytes} byte cap`);
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } finally {
    clearTimeout(timer);
  }
}
