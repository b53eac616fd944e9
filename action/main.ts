// The Action's main step: the job's OIDC token → POST /v1/vend → the credential to later steps
// (github-env) or this step's outputs (github-output), secrets masked; then what the post step
// needs to revoke it at job end.
import { fetchActionsOidcToken } from "../cli/actions-oidc.js";
import { writeCredential } from "../cli/credential-output.js";
import { vend } from "../cli/vend-command.js";
import { saveState } from "./action-state.js";
import { readInputs } from "./inputs.js";

type Env = Readonly<Record<string, string | undefined>>;

export async function runMain(env: Env, stdout: (text: string) => void): Promise<void> {
  const inputs = readInputs(env);
  const token = await fetchActionsOidcToken(inputs.audience, env);
  const answer = await vend(inputs.url, token, inputs.scopes, inputs.ttlSeconds);
  // Saved before the credential is handed on: whatever happens next, post revokes it.
  saveState(env, { url: inputs.url, audience: inputs.audience, credentialIds: inputs.revokeOnExit ? [answer.credentialId] : [] });
  writeCredential(answer, inputs.format, { stdout, env });
  for (const line of [...(answer.warnings ?? []), ...(answer.notes ?? [])]) stdout(`credvend: note: ${line}\n`);
}
