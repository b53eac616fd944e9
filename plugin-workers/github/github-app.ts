// The GitHub App's side of a vend: find the installation on an owner (cached), then mint one
// installation token for exactly the requested repositories and permissions. Octokit with the
// App's JWT; the base URL comes from GITHUB_API_URL, so GHES and local test servers work.
import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/core";
import type { Clock } from "../sdk/clock.js";
import { systemClock } from "../sdk/clock.js";
import { gitHubFailure } from "./github-errors.js";
import type { TokenRequest } from "./token-request.js";

export interface GitHubAppCredentials {
  readonly appId: string;
  /** PEM, PKCS#1 (as GitHub hands it out) or PKCS#8. */
  readonly privateKey: string;
  readonly apiUrl: string;
}

/** Who the App is installed on, as GitHub says (`type` is "Organization" or "User"). */
export interface InstallationAccount {
  readonly login: string;
  readonly type: string;
}

export interface InstallationToken {
  readonly token: string;
  readonly expiresAt: Date;
  readonly installationId: number;
  /** Absent when GitHub's installation answer named no user or organization. */
  readonly account?: InstallationAccount;
}

interface Installation {
  readonly id: number;
  readonly account?: InstallationAccount;
}

export interface GitHubAppOptions {
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
  /** How long an owner → installation lookup is reused. Default 10 minutes. */
  readonly installationCacheMs?: number;
  /** Deadline of one GitHub request, under the core's deadline for the whole Vend. Default 4000. */
  readonly timeoutMs?: number;
}

const MAX_CACHED_OWNERS = 1000;
/** A read token is renewed this long before GitHub expires it. */
const READ_TOKEN_MARGIN_MS = 5 * 60_000;
const DEFAULT_TIMEOUT_MS = 4000;

export class GitHubApp {
  private readonly octokit: Octokit;
  private readonly clock: Clock;
  private readonly cacheMs: number;
  private readonly installations = new Map<string, Installation & { at: number }>();
  private readonly readTokens = new Map<number, { octokit: Octokit; expiresAt: number }>();
  private readonly baseUrl: string;
  private readonly fetcher: typeof fetch;

  constructor(credentials: GitHubAppCredentials, options: GitHubAppOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.cacheMs = options.installationCacheMs ?? 10 * 60_000;
    this.baseUrl = credentials.apiUrl.replace(/\/+$/, "");
    this.fetcher = withTimeout(options.fetch ?? ((input, init) => globalThis.fetch(input, init)), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.octokit = new Octokit({
      authStrategy: createAppAuth,
      auth: { appId: credentials.appId, privateKey: credentials.privateKey },
      baseUrl: credentials.apiUrl.replace(/\/+$/, ""),
      userAgent: "credvend-github-worker",
      request: { fetch: this.fetcher },
      log: SILENT,
    });
  }

  /** One token for the whole request. Throws PluginError with a caller-safe message. */
  async createToken(request: TokenRequest): Promise<InstallationToken> {
    const installation = await this.installationFor(request.owner, request.repositories[0]!);
    try {
      const { data } = await this.octokit.request("POST /app/installations/{installation_id}/access_tokens", {
        installation_id: installation.id,
        repositories: [...request.repositories],
        permissions: { ...request.permissions },
      });
      return {
        token: data.token,
        expiresAt: new Date(data.expires_at),
        installationId: installation.id,
        ...(installation.account ? { account: installation.account } : {}),
      };
    } catch (error) {
      // An uninstalled or suspended App: look the installation up again next time.
      if (statusOf(error) === 404 || statusOf(error) === 403) this.installations.delete(request.owner.toLowerCase());
      throw gitHubFailure(error, "token", request.owner);
    }
  }

  /**
   * An Octokit that reads repository contents of `owner`'s installation: its token has
   * `contents: read` and `metadata: read` only, never leaves the worker, and is reused until
   * shortly before it expires (trust policies are read often, tokens are minted sparingly).
   */
  async contentsReader(owner: string, repo: string): Promise<Octokit> {
    const installation = await this.installationFor(owner, repo);
    const now = this.clock.now().getTime();
    const cached = this.readTokens.get(installation.id);
    if (cached && cached.expiresAt - READ_TOKEN_MARGIN_MS > now) return cached.octokit;
    try {
      const { data } = await this.octokit.request("POST /app/installations/{installation_id}/access_tokens", {
        installation_id: installation.id,
        permissions: { contents: "read", metadata: "read" },
      });
      const octokit = new Octokit({
        auth: data.token,
        baseUrl: this.baseUrl,
        userAgent: "credvend-github-worker",
        request: { fetch: this.fetcher },
        log: SILENT,
      });
      if (this.readTokens.size >= MAX_CACHED_OWNERS) this.readTokens.clear();
      this.readTokens.set(installation.id, { octokit, expiresAt: Date.parse(data.expires_at) });
      return octokit;
    } catch (error) {
      if (statusOf(error) === 404 || statusOf(error) === 403) this.installations.delete(owner.toLowerCase());
      throw gitHubFailure(error, "token", owner);
    }
  }

  private async installationFor(owner: string, repo: string): Promise<Installation> {
    const key = owner.toLowerCase();
    const now = this.clock.now().getTime();
    const cached = this.installations.get(key);
    if (cached && now - cached.at < this.cacheMs) return cached;
    try {
      const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/installation", { owner, repo });
      const account = accountOf(data.account);
      const installation: Installation = { id: data.id, ...(account ? { account } : {}) };
      if (this.installations.size >= MAX_CACHED_OWNERS) this.installations.clear();
      this.installations.set(key, { ...installation, at: now });
      return installation;
    } catch (error) {
      throw gitHubFailure(error, "installation", `${owner}/${repo}`);
    }
  }
}

// Octokit's request log would print URLs and statuses to the console: the worker logs itself.
const SILENT = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A user or an organization (an enterprise account has neither login nor type). */
function accountOf(account: unknown): InstallationAccount | undefined {
  const { login, type } = (account ?? {}) as { login?: unknown; type?: unknown };
  return typeof login === "string" && typeof type === "string" ? { login, type } : undefined;
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === "number" ? status : undefined;
}

// A hung GitHub must not hold the worker past the core's deadline: each request gets its own.
function withTimeout(fetcher: typeof fetch, timeoutMs: number): typeof fetch {
  return (input, init) => {
    const signal = init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
    return fetcher(input, { ...init, signal });
  };
}
