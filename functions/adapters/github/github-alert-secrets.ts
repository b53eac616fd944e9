// The secret behind a secret-scanning alert: the webhook payload carries none, so it is read with
// the REST API (`GET /repos/{owner}/{repo}/secret-scanning/alerts/{number}` → `secret`) through
// Octokit, as a GitHub App installation (the event's `installation.id`) or with a token. The
// secret is returned to be hashed at once; it is never logged and never leaves this process.
// Octokit is imported on the first alert, not at cold start: ping and partner deliveries, and most
// sweeps, never need it.
import type { Octokit } from "@octokit/core";
import { CredvendError } from "../../core/errors.js";

export interface AlertRef {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  /** The GitHub App installation that sent the event, when there is one. */
  readonly installationId?: number;
}

export interface AlertSecretSource {
  /** Raises CredvendError: 502 `github_alert_unavailable` (retry), 503 `github_rate_limited`. */
  secretOf(alert: AlertRef): Promise<string>;
}

export type GitHubAuth =
  | { readonly kind: "token"; readonly token: string }
  | { readonly kind: "app"; readonly appId: string; readonly privateKey: string };

export interface OctokitAlertSecretsOptions {
  /** GITHUB_API_URL, e.g. https://api.github.com. */
  readonly apiUrl: string;
  readonly auth?: GitHubAuth;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

// Failures are reported through our own errors; Octokit's request log would only repeat them.
const QUIET = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export class OctokitAlertSecrets implements AlertSecretSource {
  private readonly options: OctokitAlertSecretsOptions;
  private readonly clients = new Map<string, Promise<Octokit>>();

  constructor(options: OctokitAlertSecretsOptions) {
    this.options = options;
  }

  async secretOf(alert: AlertRef): Promise<string> {
    let secret: unknown;
    try {
      const client = await this.client(alert.installationId);
      const { data } = await client.request("GET /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}", {
        owner: alert.owner,
        repo: alert.repo,
        alert_number: alert.number,
        request: { signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000) },
      });
      secret = data.secret;
    } catch (error) {
      throw lookupError(error);
    }
    if (typeof secret !== "string" || secret === "") {
      throw new CredvendError("upstream_failed", "github_alert_unavailable", "GitHub returned the alert without its secret");
    }
    return secret;
  }

  private client(installationId: number | undefined): Promise<Octokit> {
    const key = String(installationId ?? "default");
    let client = this.clients.get(key);
    if (!client) {
      client = this.build(installationId);
      this.clients.set(key, client);
      // A failed build (no installation to read as) is not remembered.
      client.catch(() => this.clients.delete(key));
    }
    return client;
  }

  private async build(installationId: number | undefined): Promise<Octokit> {
    const auth = await this.auth(installationId);
    const { Octokit } = await import("@octokit/core");
    return new Octokit({ baseUrl: this.options.apiUrl, request: { fetch: this.options.fetch ?? fetch }, log: QUIET, ...auth });
  }

  private async auth(installationId: number | undefined): Promise<ConstructorParameters<typeof Octokit>[0]> {
    const auth = this.options.auth;
    if (!auth) return {};
    if (auth.kind === "token") return { auth: auth.token };
    if (installationId === undefined) {
      throw new CredvendError(
        "upstream_failed",
        "github_alert_unavailable",
        "the event names no GitHub App installation to read the alert as",
      );
    }
    const { createAppAuth } = await import("@octokit/auth-app");
    return { authStrategy: createAppAuth, auth: { appId: auth.appId, privateKey: auth.privateKey, installationId } };
  }
}

/** A 404 may be GitHub's eventual consistency or a missing permission, a 403/429 a rate limit:
 *  all answered with a 5xx so GitHub delivers the event again. */
function lookupError(error: unknown): CredvendError {
  if (error instanceof CredvendError) return error;
  const status = (error as { status?: unknown }).status;
  if (isRateLimited(error)) {
    return new CredvendError(
      "unavailable",
      "github_rate_limited",
      "GitHub's API rate limit was hit reading the alert; deliver again later",
      { cause: error },
    );
  }
  const what = typeof status === "number" ? `HTTP ${status}` : "no answer";
  return new CredvendError("upstream_failed", "github_alert_unavailable", `the alert could not be read from GitHub (${what})`, {
    cause: error,
  });
}

/** A 429, or a 403 with GitHub's rate-limit headers (primary or secondary limit). */
export function isRateLimited(error: unknown): boolean {
  const status = (error as { status?: unknown }).status;
  const headers = (error as { response?: { headers?: Record<string, string | undefined> } }).response?.headers ?? {};
  return status === 429 || (status === 403 && (headers["x-ratelimit-remaining"] === "0" || headers["retry-after"] !== undefined));
}
