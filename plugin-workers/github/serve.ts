// Runs the github worker on a loopback port over real HTTP: `npm start` and the e2e tests.
import { listenOnLoopback, type LoopbackServer } from "../sdk/listen.js";
import { loadGitHubAppCredentials } from "./config.js";
import { GitHubApp, type GitHubAppCredentials } from "./github-app.js";
import type { GitHubRevokeOptions } from "./revoke.js";
import { serveGitHubWorker } from "./worker.js";

export interface StartGitHubWorkerOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Default: from the environment (GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY(_FILE), GITHUB_API_URL). */
  readonly credentials?: GitHubAppCredentials | null;
  /** The secret the core sends with every gRPC call; without it any local process may call (tests only). */
  readonly callerSecret?: string;
  /** A token vault (the local stack's, on its embedded store): tokens become revocable, a TTL under 1 h is honoured. */
  readonly revocation?: GitHubRevokeOptions;
}

/** Without App credentials the worker answers Describe and validation, and Vend says "not configured". */
export async function startGitHubWorker(options: StartGitHubWorkerOptions = {}): Promise<LoopbackServer> {
  const credentials = options.credentials === undefined ? loadGitHubAppCredentials() : options.credentials;
  const { app } = serveGitHubWorker(
    { ...(credentials ? { app: new GitHubApp(credentials) } : {}), ...(options.revocation ? { revocation: options.revocation } : {}) },
    options.callerSecret === undefined ? {} : { callerSecret: options.callerSecret },
  );
  return listenOnLoopback(app, options.port === undefined ? {} : { port: options.port });
}
