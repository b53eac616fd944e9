// The CI job's OIDC token, fetched the way GitHub documents for Actions: GET
// $ACTIONS_ID_TOKEN_REQUEST_URL with `&audience=<aud>` and `Authorization: bearer
// $ACTIONS_ID_TOKEN_REQUEST_TOKEN`; the answer is {"value": "<JWT>"}. The job needs
// `permissions: id-token: write` for GitHub to set those two variables.
import { CliError } from "./cli-error.js";

export const EXIT_NO_OIDC_TOKEN = 3;
const TIMEOUT_MS = 15_000;

type Env = Readonly<Record<string, string | undefined>>;

export async function fetchActionsOidcToken(audience: string, env: Env = process.env): Promise<string> {
  const given = env.CREDVEND_OIDC_TOKEN?.trim();
  if (given) return given;
  const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!requestUrl || !requestToken) {
    throw new CliError(
      "no OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN are not set (give the job `permissions: id-token: write`) and CREDVEND_OIDC_TOKEN is empty",
      EXIT_NO_OIDC_TOKEN,
    );
  }
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    throw new CliError("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL", EXIT_NO_OIDC_TOKEN);
  }
  url.searchParams.set("audience", audience);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { authorization: `bearer ${requestToken}`, accept: "application/json" },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    throw new CliError(`cannot reach the Actions OIDC endpoint (${url.host})`, EXIT_NO_OIDC_TOKEN);
  }
  if (!response.ok) throw new CliError(`the Actions OIDC endpoint answered ${response.status}`, EXIT_NO_OIDC_TOKEN);
  const body = (await response.json().catch(() => undefined)) as { value?: unknown } | undefined;
  if (typeof body?.value !== "string" || body.value === "")
    throw new CliError("the Actions OIDC endpoint answered without a token", EXIT_NO_OIDC_TOKEN);
  return body.value;
}
