// One bounded GET for `credvend doctor`: the answer's status, JSON body and the clock it reports
// (its Date header), or why there was no answer.

const TIMEOUT_MS = 5_000;

export type Probe =
  | { readonly ok: true; readonly status: number; readonly body: unknown; readonly skewMs: number | undefined; readonly ms: number }
  | { readonly ok: false; readonly reason: string };

/** `skewMs`: the server's clock minus this machine's, from the Date header (1 s resolution). */
export async function probe(url: string, fetchImpl: typeof fetch = fetch): Promise<Probe> {
  const started = Date.now();
  let response: Response;
  try {
    response = await fetchImpl(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    const cause = causeCode(error);
    return { ok: false, reason: timedOut ? `no answer within ${TIMEOUT_MS / 1000}s` : `cannot connect${cause ? ` (${cause})` : ""}` };
  }
  const ended = Date.now();
  const body: unknown = await response.json().catch(() => undefined);
  const date = Date.parse(response.headers.get("date") ?? "");
  // The header has whole seconds: compare it with the middle of the exchange, floored likewise.
  const skewMs = Number.isNaN(date) ? undefined : date - Math.floor((started + ended) / 2 / 1000) * 1000;
  return { ok: true, status: response.status, body, skewMs, ms: ended - started };
}

/** ECONNREFUSED, ENOTFOUND, bad port…: from fetch's cause, or the first of several (IPv4 and IPv6 tried). */
function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown; message?: unknown; errors?: { code?: unknown }[] } }).cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message;
  return typeof code === "string" ? code : undefined;
}
