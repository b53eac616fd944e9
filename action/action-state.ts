// What `main` leaves for `post`: the runner keeps values appended to $GITHUB_STATE and hands them
// to this action's post step as STATE_<name> variables (names as written).
import { appendFileSync } from "node:fs";
import { fileEntry } from "../cli/credential-output.js";
import type { RefresherProcess } from "../cli/oidc-refresher-process.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface PostState {
  readonly url: string;
  readonly audience: string;
  /** Credentials this step vended, to revoke at job end (empty with revoke-on-exit false). */
  readonly credentialIds: readonly string[];
  /** With format container: the background process keeping the OIDC token file fresh. */
  readonly oidcRefresher?: RefresherProcess;
}

const KEY = { isPost: "isPost", post: "credvendPost" } as const;

/** True in the post step: main marked its state. */
export function isPostStep(env: Env): boolean {
  return env[`STATE_${KEY.isPost}`] === "true";
}

export function saveState(env: Env, state: PostState): void {
  const file = env.GITHUB_STATE;
  // Without the state file (a runner older than it) there is no post step to serve.
  if (!file) return;
  appendFileSync(file, fileEntry(KEY.isPost, "true") + fileEntry(KEY.post, JSON.stringify(state)));
}

export function loadState(env: Env): PostState | undefined {
  const raw = env[`STATE_${KEY.post}`];
  if (!raw) return undefined;
  const parsed = JSON.parse(raw) as Partial<PostState>;
  if (typeof parsed.url !== "string" || typeof parsed.audience !== "string" || !Array.isArray(parsed.credentialIds)) return undefined;
  const credentialIds = parsed.credentialIds.filter((id) => typeof id === "string");
  const refresher = parsed.oidcRefresher;
  const oidcRefresher =
    refresher && Number.isInteger(refresher.pid) && refresher.pid > 0 && typeof refresher.dir === "string" && refresher.dir !== ""
      ? { pid: refresher.pid, dir: refresher.dir }
      : undefined;
  return { url: parsed.url, audience: parsed.audience, credentialIds, ...(oidcRefresher ? { oidcRefresher } : {}) };
}
