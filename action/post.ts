// The Action's post step, run at job end whether the job succeeded, failed or was cancelled:
// revokes every credential main vended (DELETE /v1/credentials/{id}, with a fresh OIDC token of
// the same run); with format container, stops the OIDC token refresher and deletes its token
// file. It never fails the job: a credential it could not revoke is a warning, and it still
// expires on its own.
import { fetchActionsOidcToken } from "../cli/actions-oidc.js";
import { revokeCredential } from "../cli/credential-revocation.js";
import { stopRefresherProcess, type RefresherProcess } from "../cli/oidc-refresher-process.js";
import { loadState } from "./action-state.js";

type Env = Readonly<Record<string, string | undefined>>;

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
  const answer = await revokeCredential(url, token, credentialId);
  if (answer.kind === "done") return `credvend: credential ${credentialId} ${answer.state}\n`;
  const detail = answer.kind === "refused" ? `${answer.status} ${answer.code}: ${answer.message}` : answer.message;
  return `::warning::credvend: could not revoke credential ${credentialId} (${detail}); it expires on its own\n`;
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
