// One alert POSTed to a receiver (chat or webhook), with bounded retries: network errors, 429 and
// 5xx are tried again with backoff, other answers are final. Errors name the status only, never
// the URL: an incoming-webhook URL is itself the secret that lets anyone post.

export interface WebhookPostOptions {
  /** Attempts in all. Default 3. */
  readonly attempts?: number;
  /** Per attempt. Default 3000 ms. */
  readonly timeoutMs?: number;
  /** Before attempt n+1 (n from 1). Default 250 ms × 3^(n-1), with jitter. */
  readonly backoffMs?: (attempt: number) => number;
  readonly fetch?: typeof fetch;
}

export class WebhookDeliveryError extends Error {
  override readonly name = "WebhookDeliveryError";
}

export async function postWithRetries(
  url: string,
  body: string,
  headers: (attempt: number) => Record<string, string>,
  options: WebhookPostOptions = {},
): Promise<void> {
  const attempts = options.attempts ?? 3;
  const send = options.fetch ?? fetch;
  let last = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(options.backoffMs?.(attempt - 1) ?? 250 * 3 ** (attempt - 2) * (0.75 + Math.random() / 2));
    try {
      const response = await send(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers(attempt) },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(options.timeoutMs ?? 3_000),
      });
      await response.body?.cancel();
      if (response.ok) return;
      last = `HTTP ${response.status}`;
      if (response.status !== 429 && response.status < 500) break;
    } catch (error) {
      last = error instanceof Error && error.name === "TimeoutError" ? "timed out" : "could not connect";
    }
  }
  throw new WebhookDeliveryError(`delivery failed: ${last}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
