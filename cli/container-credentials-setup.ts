// The AWS container-credentials path for a whole job, however long: the AWS SDKs and CLI call
// GET /v1/aws/container-credentials themselves (AWS_CONTAINER_CREDENTIALS_FULL_URI) and send the
// job's OIDC token from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, which they read again on every
// refresh. So the token goes to a private file, and a background refresher keeps it fresh for
// as long as the job runs. Nothing is vended here: the SDK vends on its first call.
import { fetchActionsOidcToken } from "./actions-oidc.js";
import { createTokenDir, tokenFileIn, writeTokenFile } from "./oidc-token-file.js";
import { startRefresherProcess, type RefresherProcess } from "./oidc-refresher-process.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface ContainerSetupRequest {
  readonly url: string;
  readonly scopes: readonly string[];
  readonly ttlSeconds?: number;
  readonly audience: string;
  readonly env: Env;
  /** Where the private token directory is made: RUNNER_TEMP in a job. */
  readonly tempRoot: string;
  /** What runs the CLI here, for the refresher: cli/bin.js, or the Action's bundle. */
  readonly refresherEntry: readonly string[];
}

export interface ContainerSetup {
  /** For the rest of the job; none is a secret. */
  readonly variables: readonly (readonly [string, string])[];
  /** Undefined when the token is CREDVEND_OIDC_TOKEN's, which nothing can renew. */
  readonly refresher?: RefresherProcess;
  readonly dir: string;
  /** What the user should know (never a secret). */
  readonly notes: readonly string[];
}

export async function setUpContainerCredentials(request: ContainerSetupRequest): Promise<ContainerSetup> {
  const { env } = request;
  const token = await fetchActionsOidcToken(request.audience, env);
  const dir = createTokenDir(request.tempRoot);
  writeTokenFile(dir, token);
  const fixed = Boolean(env.CREDVEND_OIDC_TOKEN?.trim());
  const refresher = fixed ? undefined : startRefresherProcess({ entry: request.refresherEntry, dir, audience: request.audience, env });
  const notes: string[] = [];
  if (fixed) notes.push("CREDVEND_OIDC_TOKEN is one fixed token: the file is not refreshed, so AWS refreshes fail once it expires");
  if (env.AWS_ACCESS_KEY_ID) notes.push("AWS_ACCESS_KEY_ID is set: the AWS SDKs and CLI use it before the container provider");
  const variables: [string, string][] = [
    ["AWS_CONTAINER_CREDENTIALS_FULL_URI", containerCredentialsUri(request.url, request.scopes, request.ttlSeconds)],
    ["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tokenFileIn(dir)],
  ];
  if (refresher) variables.push(["CREDVEND_OIDC_REFRESH_PID", String(refresher.pid)]);
  return { variables, dir, notes, ...(refresher ? { refresher } : {}) };
}

export function containerCredentialsUri(baseUrl: string, scopes: readonly string[], ttlSeconds: number | undefined): string {
  const query = new URLSearchParams(scopes.map((scope) => ["scope", scope]));
  if (ttlSeconds !== undefined) query.set("ttlSeconds", String(ttlSeconds));
  return `${baseUrl}/v1/aws/container-credentials?${query}`;
}
