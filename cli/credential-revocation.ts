// DELETE /v1/credentials/{id} with an OIDC token of the run that vended it: what `credvend revoke`
// sends, and what the Action's post step sends at job end. The answer in one shape for both.

const TIMEOUT_MS = 15_000;

export type RevocationAnswer =
  /** 200: revoked now or before, or expired already (`state`). */
  | { readonly kind: "done"; readonly state: string; readonly revokedBy?: string }
  /** Any other HTTP answer: its status and the server's error code and message (never a secret). */
  | { readonly kind: "refused"; readonly status: number; readonly code: string; readonly message: string }
  /** No answer: unreachable, or not within the time-out. */
  | { readonly kind: "unreachable"; readonly message: string };

export async function revokeCredential(baseUrl: string, token: string, credentialId: string): Promise<RevocationAnswer> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/v1/credentials/${encodeURIComponent(credentialId)}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    return {
      kind: "unreachable",
      message: timedOut ? `credvend at ${baseUrl} did not answer within ${TIMEOUT_MS / 1000}s` : `cannot reach credvend at ${baseUrl}`,
    };
  }
  const body = (await response.json().catch(() => undefined)) as
    | { state?: unknown; revokedBy?: unknown; error?: { code?: unknown; message?: unknown } }
    | undefined;
  if (response.ok) {
    return {
      kind: "done",
      state: typeof body?.state === "string" ? body.state : "revoked",
      ...(typeof body?.revokedBy === "string" ? { revokedBy: body.revokedBy } : {}),
    };
  }
  return {
    kind: "refused",
    status: response.status,
    code: typeof body?.error?.code === "string" ? body.error.code : "http_error",
    message: typeof body?.error?.message === "string" ? body.error.message : `HTTP ${response.status}`,
  };
}
