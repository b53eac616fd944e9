// A local stand-in for api.github.com (reached through GITHUB_API_URL): the endpoints a GitHub
// App uses to find its installation (by repository or organization) and mint installation tokens,
// and the secret-scanning alerts an installation token reads, one by number or listed. It checks the App JWT's RS256 signature and issuer like GitHub does, records every
// request, and can be told to fail.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createHash, createPublicKey, generateKeyPairSync } from "node:crypto";
import { jwtVerify } from "jose";
import { listenOnLoopbackPort } from "./loopback-server.js";

export interface FakeGitHubRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

export interface FakeGitHubApi {
  readonly url: string;
  readonly appId: string;
  /** PKCS#1 PEM, as GitHub hands App keys out. */
  readonly privateKey: string;
  readonly requests: FakeGitHubRequest[];
  /**
   * owner (lower-case) → installation id, the repositories it covers and the account's type
   * ("Organization" or "User"; without one the installation answer names no account).
   */
  readonly installations: Map<string, FakeInstallation>;
  /** Next answers of the token endpoint, consumed in order: a status and optional body. */
  readonly tokenFailures: { status: number; body?: unknown; headers?: Record<string, string> }[];
  /** When true, the token endpoint never answers (a hung GitHub). */
  hang: boolean;
  /** The token the next mint returns (default: a long `ghs_` token). */
  nextToken: string;
  /**
   * Repository contents (self-serve trust): commits `content` at `path` on `branch` (default: the
   * repository's default branch; the repository is created with default branch `main`); returns
   * the new commit's sha. `undefined` content deletes the file.
   */
  commitFile(repository: string, path: string, content: string | Uint8Array | undefined, branch?: string): string;
  /** Makes `from` answer as a redirect to `to` (a rename or a transfer); `to` takes its branches. */
  renameRepository(from: string, to: string): void;
  /** Next answers of the repository read endpoints (repo, branch, contents), consumed in order. */
  readonly contentFailures: { status: number; body?: unknown; headers?: Record<string, string> }[];
  /** When true, the repository read endpoints never answer. */
  contentsHang: boolean;
  /** Opens a secret-scanning alert on `owner/name` for `secret`; returns its number. */
  openAlert(repository: string, secret: string): number;
  close(): Promise<void>;
}

interface FakeRepository {
  readonly id: number;
  readonly fullName: string;
  readonly defaultBranch: string;
  /** branch → head commit sha */
  readonly branches: Map<string, string>;
  /** commit sha → path → bytes */
  readonly commits: Map<string, Map<string, Uint8Array>>;
}

export interface FakeInstallation {
  id: number;
  repositories: string[];
  accountType?: "Organization" | "User";
}

export async function startFakeGitHubApi(appId = "123456"): Promise<FakeGitHubApi> {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const publicKey = createPublicKey(privateKey);
  const state = {
    requests: [] as FakeGitHubRequest[],
    installations: new Map<string, FakeInstallation>([
      ["acme", { id: 77, repositories: ["web", "api"], accountType: "Organization" }],
      ["octocat", { id: 78, repositories: ["dotfiles"], accountType: "User" }],
    ]),
    tokenFailures: [] as FakeGitHubApi["tokenFailures"],
    // GitHub's newer stateless tokens are ~520 characters: nothing may assume 40.
    nextToken: `ghs_${"A1b2C3d4".repeat(64)}`,
    hang: false,
    contentFailures: [] as FakeGitHubApi["contentFailures"],
    contentsHang: false,
  };
  const repositories = new Map<string, FakeRepository>();
  const renamed = new Map<string, string>();

  const issued = new Set<string>();
  const alerts = new Map<string, { secret: string; createdAt: string }>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await new Promise<string>((resolve) => {
      let data = "";
      req.on("data", (chunk: Buffer) => (data += chunk.toString()));
      req.on("end", () => resolve(data));
    });
    const path = new URL(req.url ?? "/", "http://x").pathname;
    state.requests.push({ method: req.method ?? "", path, body: text ? JSON.parse(text) : undefined });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers }).end(JSON.stringify(body));
    };
    const alert = /^\/repos\/([^/]+\/[^/]+)\/secret-scanning\/alerts\/(\d+)$/.exec(path);
    const installed = () => issued.has((req.headers.authorization ?? "").replace(/^token /i, ""));
    if (req.method === "GET" && alert) {
      // Read with an installation token this stand-in minted, as GitHub requires.
      if (!installed()) return send(401, { message: "Requires authentication" });
      const found = alerts.get(`${alert[1]!.toLowerCase()}#${alert[2]}`);
      return found === undefined
        ? send(404, { message: "Not Found" })
        : send(200, { number: Number(alert[2]), state: "open", secret: found.secret });
    }
    const list = /^\/orgs\/([^/]+)\/secret-scanning\/alerts$/.exec(path) ?? /^\/repos\/([^/]+\/[^/]+)\/secret-scanning\/alerts$/.exec(path);
    if (req.method === "GET" && list) {
      if (!installed()) return send(401, { message: "Requires authentication" });
      // Newest first, `per_page` and `page` as GitHub pages them; an ETag, and 304 for a match
      // (GitHub does not count a 304 against the rate limit).
      const query = new URL(req.url ?? "/", "http://x").searchParams;
      const perPage = Number(query.get("per_page") ?? 30);
      const page = Number(query.get("page") ?? 1);
      const scope = list[1]!.toLowerCase();
      const open = [...alerts.entries()]
        .filter(([key]) => (scope.includes("/") ? key.startsWith(`${scope}#`) : key.startsWith(`${scope}/`)))
        .map(([key, a]) => ({ number: Number(key.split("#")[1]), repository: key.split("#")[0]!, ...a }))
        .sort((a, b) => b.number - a.number);
      const body = open.slice((page - 1) * perPage, page * perPage).map((a) => ({
        number: a.number,
        created_at: a.createdAt,
        state: "open",
        secret_type: "credvend_token",
        secret: a.secret,
        html_url: `https://github.com/${a.repository}/security/secret-scanning/${a.number}`,
        repository: { full_name: a.repository },
      }));
      const etag = `W/"${createHash("sha256").update(JSON.stringify(body)).digest("hex").slice(0, 32)}"`;
      if (req.headers["if-none-match"] === etag) return void res.writeHead(304, { etag }).end();
      const next = open.length > page * perPage ? `<${api.url}${path}?per_page=${perPage}&page=${page + 1}>; rel="next"` : undefined;
      return send(200, body, { etag, ...(next ? { link: next } : {}) });
    }
    if (req.method === "GET" && path.startsWith("/repos/") && !/\/(installation|secret-scanning)/.test(path)) {
      if (!installed()) return send(401, { message: "Requires authentication" });
      if (state.contentsHang) return;
      const failure = state.contentFailures.shift();
      if (failure) return send(failure.status, failure.body ?? { message: "failure" }, failure.headers);
      return serveRepository(path, new URL(req.url ?? "/", "http://x").searchParams, send, res);
    }
    try {
      const jwt = (req.headers.authorization ?? "").replace(/^bearer /i, "");
      const { payload } = await jwtVerify(jwt, publicKey, { algorithms: ["RS256"] });
      if (String(payload.iss) !== appId) throw new Error("wrong app");
    } catch {
      return send(401, { message: "A JSON web token could not be decoded" });
    }
    const orgInstallation = /^\/orgs\/([^/]+)\/installation$/.exec(path);
    if (req.method === "GET" && orgInstallation) {
      const found = state.installations.get(orgInstallation[1]!.toLowerCase());
      return found?.accountType === "Organization"
        ? send(200, { id: found.id, account: { login: orgInstallation[1], type: "Organization" } })
        : send(404, { message: "Not Found" });
    }
    const installation = /^\/repos\/([^/]+)\/([^/]+)\/installation$/.exec(path);
    if (req.method === "GET" && installation) {
      const found = state.installations.get(installation[1]!.toLowerCase());
      const account = found?.accountType ? { login: installation[1], type: found.accountType } : null;
      return found ? send(200, { id: found.id, account }) : send(404, { message: "Not Found" });
    }
    const token = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (req.method === "POST" && token) {
      if (state.hang) return;
      const failure = state.tokenFailures.shift();
      if (failure) return send(failure.status, failure.body ?? { message: "failure" }, failure.headers);
      const body = JSON.parse(text || "{}") as { repositories?: string[]; permissions?: Record<string, string> };
      const owned = [...state.installations.values()].find((i) => i.id === Number(token[1]));
      if (!owned) return send(404, { message: "Not Found" });
      if ((body.repositories ?? []).some((r) => !owned.repositories.includes(r))) {
        return send(422, {
          message: "There is at least one repository that does not exist or is not accessible to the parent installation.",
        });
      }
      issued.add(state.nextToken);
      return send(201, {
        token: state.nextToken,
        expires_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
        permissions: body.permissions,
        repository_selection: "selected",
        repositories: (body.repositories ?? []).map((name) => ({ name })),
      });
    }
    return send(404, { message: "Not Found" });
  }

  type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;
  // GET /repos/{o}/{r}, /repos/{o}/{r}/branches/{b}, /repos/{o}/{r}/contents/{path}?ref=SHA, as GitHub answers them.
  function serveRepository(path: string, query: URLSearchParams, send: Send, res: ServerResponse) {
    const match = /^\/repos\/([^/]+)\/([^/]+)(?:\/(branches|contents)\/(.+))?$/.exec(path);
    if (!match) return send(404, { message: "Not Found" });
    const name = `${match[1]}/${match[2]}`.toLowerCase();
    const moved = renamed.get(name);
    if (moved) return void res.writeHead(301, { location: `${api.url}${path.replace(/^\/repos\/[^/]+\/[^/]+/, `/repos/${moved}`)}` }).end();
    const repository = repositories.get(name);
    if (!repository) return send(404, { message: "Not Found" });
    if (!match[3]) return send(200, { id: repository.id, full_name: repository.fullName, default_branch: repository.defaultBranch });
    if (match[3] === "branches") {
      const head = repository.branches.get(decodeURIComponent(match[4]!));
      return head ? send(200, { name: match[4], commit: { sha: head } }) : send(404, { message: "Branch not found" });
    }
    const files = repository.commits.get(query.get("ref") ?? repository.branches.get(repository.defaultBranch) ?? "");
    const file = files?.get(decodeURIComponent(match[4]!));
    if (!file) return send(404, { message: "Not Found" });
    return send(200, {
      type: "file",
      size: file.byteLength,
      encoding: "base64",
      content: Buffer.from(file).toString("base64"),
      path: match[4],
    });
  }

  function commitFile(full: string, path: string, content: string | Uint8Array | undefined, branch?: string): string {
    const key = full.toLowerCase();
    let repository = repositories.get(key);
    if (!repository) {
      repository = { id: 1000 + repositories.size, fullName: full, defaultBranch: "main", branches: new Map(), commits: new Map() };
      repositories.set(key, repository);
    }
    const onto = branch ?? repository.defaultBranch;
    const parent = repository.commits.get(repository.branches.get(onto) ?? "") ?? new Map<string, Uint8Array>();
    const files = new Map(parent);
    if (content === undefined) files.delete(path);
    else files.set(path, typeof content === "string" ? new TextEncoder().encode(content) : content);
    const sha = createHash("sha1").update(`${full}:${onto}:${repository.commits.size}:${Math.random()}`).digest("hex");
    repository.commits.set(sha, files);
    repository.branches.set(onto, sha);
    return sha;
  }

  const server = createServer((req, res) => void handle(req, res));
  const listening = await listenOnLoopbackPort(server);
  const api: FakeGitHubApi = {
    url: listening.url,
    appId,
    privateKey,
    ...state,
    get nextToken() {
      return state.nextToken;
    },
    set nextToken(value: string) {
      state.nextToken = value;
    },
    get hang() {
      return state.hang;
    },
    set hang(value: boolean) {
      state.hang = value;
    },
    commitFile,
    renameRepository(from, to) {
      const repository = repositories.get(from.toLowerCase());
      if (repository) {
        repositories.delete(from.toLowerCase());
        repositories.set(to.toLowerCase(), { ...repository, fullName: to });
      }
      renamed.set(from.toLowerCase(), to);
    },
    get contentsHang() {
      return state.contentsHang;
    },
    set contentsHang(value: boolean) {
      state.contentsHang = value;
    },
    openAlert(repository, secret) {
      const number = alerts.size + 1;
      alerts.set(`${repository.toLowerCase()}#${number}`, { secret, createdAt: new Date(Date.now() + number).toISOString() });
      return number;
    },
    close: listening.close,
  };
  return api;
}
