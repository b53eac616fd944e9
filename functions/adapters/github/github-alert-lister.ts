// Open secret-scanning alerts, newest first, through Octokit, for the alert poller:
//   owner       GET /orgs/{org}/secret-scanning/alerts?state=open&sort=created&direction=desc&per_page=100
//   repository  GET /repos/{owner}/{repo}/secret-scanning/alerts?state=open&sort=created&direction=desc&per_page=100
// The next page is the Link header's `rel="next"` URL (GitHub's `after` cursor or page), kept as
// the opaque cursor. The first page is asked with If-None-Match when the poller kept its ETag: a
// 304 (nothing changed) costs no rate limit. The list carries each alert's `secret` to a caller with the secret scanning
// read permission; as a GitHub App, the installation on the owner is looked up (and cached).
import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/core";
import { CredvendError } from "../../core/errors.js";
import type { AlertLister, AlertPage, AlertScope, ListedAlert } from "../../core/leak/alert-poller.js";
import { isRateLimited, type GitHubAuth } from "./github-alert-secrets.js";

export interface OctokitAlertListerOptions {
  /** GITHUB_API_URL, e.g. https://api.github.com. */
  readonly apiUrl: string;
  readonly auth?: GitHubAuth;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
  readonly perPage?: number;
}

const QUIET = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

interface AlertData {
  readonly number?: unknown;
  readonly created_at?: unknown;
  readonly secret?: unknown;
  readonly secret_type?: unknown;
  readonly html_url?: unknown;
  readonly repository?: { readonly full_name?: unknown } | null;
}

export class OctokitAlertLister implements AlertLister {
  private readonly clients = new Map<string, Promise<Octokit>>();

  constructor(private readonly options: OctokitAlertListerOptions) {}

  async listOpen(query: AlertScope & { readonly cursor?: string; readonly etag?: string }): Promise<AlertPage> {
    const owner = "owner" in query ? query.owner : (query.repository.split("/")[0] ?? "");
    const request = { signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000) };
    const headers = query.etag ? { "if-none-match": query.etag } : {};
    let response: { data: unknown; headers: { link?: string; etag?: string } };
    try {
      const client = await this.client(owner, "repository" in query ? query.repository : undefined);
      if (query.cursor) {
        response = await client.request("GET {+url}", { url: query.cursor, request });
      } else {
        const params = {
          state: "open",
          sort: "created",
          direction: "desc",
          per_page: this.options.perPage ?? 100,
          request,
          headers,
        } as const;
        response =
          "owner" in query
            ? await client.request("GET /orgs/{org}/secret-scanning/alerts", { org: query.owner, ...params })
            : await client.request("GET /repos/{owner}/{repo}/secret-scanning/alerts", {
                owner,
                repo: query.repository.split("/")[1] ?? "",
                ...params,
              });
      }
    } catch (error) {
      if ((error as { status?: unknown }).status === 304) return { alerts: [], notModified: true };
      throw listError(error);
    }
    const fallback = "repository" in query ? query.repository : undefined;
    const alerts = (Array.isArray(response.data) ? (response.data as AlertData[]) : []).flatMap((data) => {
      const alert = toListed(data, fallback);
      return alert ? [alert] : [];
    });
    const nextCursor = nextLink(response.headers.link);
    const etag = response.headers.etag;
    return { alerts, ...(nextCursor ? { nextCursor } : {}), ...(etag ? { etag } : {}) };
  }

  private client(owner: string, repository: string | undefined): Promise<Octokit> {
    const auth = this.options.auth;
    const key = auth?.kind === "app" ? (repository ?? owner) : "default";
    let client = this.clients.get(key);
    if (!client) {
      client = this.build(owner, repository);
      client.catch(() => this.clients.delete(key));
      this.clients.set(key, client);
    }
    return client;
  }

  private async build(owner: string, repository: string | undefined): Promise<Octokit> {
    const base = { baseUrl: this.options.apiUrl, request: { fetch: this.options.fetch ?? fetch }, log: QUIET };
    const auth = this.options.auth;
    if (!auth) return new Octokit(base);
    if (auth.kind === "token") return new Octokit({ ...base, auth: auth.token });
    const app = new Octokit({ ...base, authStrategy: createAppAuth, auth: { appId: auth.appId, privateKey: auth.privateKey } });
    const [repoOwner = "", repo = ""] = (repository ?? "").split("/");
    const { data } = repository
      ? await app.request("GET /repos/{owner}/{repo}/installation", { owner: repoOwner, repo })
      : await app.request("GET /orgs/{org}/installation", { org: owner });
    return new Octokit({
      ...base,
      authStrategy: createAppAuth,
      auth: { appId: auth.appId, privateKey: auth.privateKey, installationId: data.id },
    });
  }
}

function toListed(data: AlertData, fallbackRepository: string | undefined): ListedAlert | undefined {
  const repository = typeof data.repository?.full_name === "string" ? data.repository.full_name : fallbackRepository;
  if (typeof data.number !== "number" || typeof data.created_at !== "string" || !repository) return undefined;
  return {
    repository,
    number: data.number,
    createdAt: data.created_at,
    ...(typeof data.secret === "string" && data.secret !== "" ? { secret: data.secret } : {}),
    ...(typeof data.html_url === "string" ? { url: data.html_url } : {}),
    ...(typeof data.secret_type === "string" ? { secretType: data.secret_type } : {}),
  };
}

/** The `rel="next"` URL of a Link header. */
function nextLink(link: string | undefined): string | undefined {
  return link?.split(",").flatMap((part) => /<([^>]+)>;\s*rel="next"/.exec(part)?.[1] ?? [])[0];
}

function listError(error: unknown): CredvendError {
  if (isRateLimited(error)) {
    return new CredvendError("unavailable", "github_rate_limited", "GitHub's API rate limit was hit listing alerts", { cause: error });
  }
  const status = (error as { status?: unknown }).status;
  const what = typeof status === "number" ? `HTTP ${status}` : "no answer";
  return new CredvendError("upstream_failed", "github_alert_unavailable", `the alerts could not be listed (${what})`, { cause: error });
}
