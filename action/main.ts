// The Action's main step: the job's OIDC token → POST /v1/vend → the credential to later steps
// (github-env) or this step's outputs (github-output), secrets masked; then what the post step
// needs to revoke it at job end. With format container it vends nothing: later steps' AWS SDKs
// and CLI get credentials from credvend themselves, with the OIDC token from a file that a
// background process keeps fresh until post stops it.
import { appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fetchActionsOidcToken } from "../cli/actions-oidc.js";
import { setUpContainerCredentials } from "../cli/container-credentials-setup.js";
import { fileEntry, writeContainerVariables, writeCredential } from "../cli/credential-output.js";
import { CliError } from "../cli/cli-error.js";
import { vend } from "../cli/vend-command.js";
import { saveState } from "./action-state.js";
import { readInputs, type ActionInputs } from "./inputs.js";
import { vendFailure, writeRefusalSummary } from "./job-summary.js";

type Env = Readonly<Record<string, string | undefined>>;

export async function runMain(env: Env, stdout: (text: string) => void): Promise<void> {
  const inputs = readInputs(env);
  if (inputs.awsRegion) exportRegion(inputs.awsRegion, env, stdout);
  if (inputs.format === "container") return runContainer(inputs, env, stdout);
  const token = await fetchActionsOidcToken(inputs.audience, env);
  const answer = await vend(inputs.url, token, inputs.scopes, inputs.ttlSeconds, inputs.identity).catch((error: unknown) => {
    // The run's page says why, not only the step's log.
    writeRefusalSummary(env, inputs.scopes, vendFailure(error));
    throw error;
  });
  // Saved before the credential is handed on: whatever happens next, post revokes it.
  saveState(env, { url: inputs.url, audience: inputs.audience, credentialIds: inputs.revokeOnExit ? [answer.credentialId] : [] });
  writeCredential(answer, inputs.format, { stdout, env });
  for (const line of [...(answer.warnings ?? []), ...(answer.notes ?? [])]) stdout(`credvend: note: ${line}\n`);
}

async function runContainer(inputs: ActionInputs, env: Env, stdout: (text: string) => void): Promise<void> {
  if (!env.GITHUB_ENV) throw new CliError("format container needs $GITHUB_ENV (it runs inside GitHub Actions)", 2);
  const setup = await setUpContainerCredentials({
    ...inputs,
    env,
    tempRoot: env.RUNNER_TEMP || tmpdir(),
    // The runner started this step as `node <bundle>`: the refresher is the same bundle.
    refresherEntry: [process.argv[1]!],
  });
  // Saved first: whatever happens next, post stops the refresher and deletes the token.
  saveState(env, {
    url: inputs.url,
    audience: inputs.audience,
    credentialIds: [],
    ...(setup.refresher ? { oidcRefresher: setup.refresher } : {}),
  });
  writeContainerVariables(setup.variables, { stdout, env }, { exports: false });
  stdout(
    `credvend: AWS SDKs and CLI in later steps get credentials from credvend; set ${setup.variables.map(([name]) => name).join(", ")}\n`,
  );
  for (const line of setup.notes) stdout(`credvend: note: ${line}\n`);
}

/** Like configure-aws-credentials: later steps' AWS CLI and SDKs find the region. Not a secret. */
function exportRegion(region: string, env: Env, stdout: (text: string) => void): void {
  if (!env.GITHUB_ENV) throw new CliError("input aws-region needs $GITHUB_ENV (it runs inside GitHub Actions)", 2);
  appendFileSync(env.GITHUB_ENV, fileEntry("AWS_REGION", region) + fileEntry("AWS_DEFAULT_REGION", region));
  stdout(`credvend: AWS_REGION and AWS_DEFAULT_REGION set to ${region} for later steps\n`);
}
