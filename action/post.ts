// The Action's post step, run at job end whether the job succeeded, failed or was cancelled:
// revokes every credential main vended (DELETE /v1/credentials/{id}, with a fresh OIDC token of
// the same run); with format container, stops the OIDC token refresher and deletes its token
// file. It never fails the job: a credential it could not revoke is a warning, and it still
// expires on its own.
import { fetchActionsOidcToken } from "../cli/actions-oidc.js";
import { stopRefresherProcess, type RefresherProcess } from "../cli/oidc-refresher-process.js";
import { loadState } from "./action-state.js";

type Env = Readonly<Record<string, string | undefined>>;
const TIMEOUT_MS = 15_000;

export async function runPost(env: Env, stdout: (text: string) => void): Promise<void> {
  const state = loadState(env);
  if (state?.oidcRefresher) stdout(await stopRefresher(state.oidcRefresher));
  if (!state || state.credentialIds.length === 0) return;
  let token: string;
  try {
    token = await fetchActionsOidcToken(state.audience, env);
  } catch (error) {
    stdout(`::warning::credvend: could not revoke ${state.credentialIds.join(", ")}: ${message(error)}; it expires on its own\n`);
    return;
  }
  for (const credentialId of state.credentialIds) stdout(await revoke(state.url, token, credentialId));
}

async function revoke(url: string, token: string, credentialId: string): Promise<string> {
  try {
    const response = await fetch(`${url}/v1/credentials/${encodeURIComponent(credentialId)}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const body = (await response.json().catch(() => undefined)) as
      | { state?: string; error?: { code?: string; message?: string } }
      | undefined;
    if (response.ok) return `credvend: credential ${credentialId} ${body?.state ?? "revoked"}\n`;
    const detail = body?.error ? `${response.status} ${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`;
    return `::warning::credvend: could not revoke credential ${credentialId} (${detail}); it expires on its own\n`;
  } catch (error) {
    return `::warning::credvend: could not revoke credential ${credentialId} (${message(error)}); it expires on its own\n`;
  }
}

/** Stops the OIDC token refresher and deletes the token file; what it logged becomes warnings. */
async function stopRefresher(refresher: RefresherProcess): Promise<string> {
  try {
    const logged = await stopRefresherProcess(refresher);
    return logged.map((line) => `::warning::credvend: ${line}\n`).join("");
  } catch (error) {
    return `::warning::credvend: could not stop the OIDC token refresher (${message(error)})\n`;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : "error";
}
