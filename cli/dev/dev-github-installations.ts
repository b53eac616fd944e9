// The dev GitHub stand-in's App side, GitHub-shaped, for the github worker's Octokit calls:
// installation lookup (repository, org, user) and installation access tokens with the App's JWT
// (RS256 by the dev App's key, `iss` its id, at most 10 minutes long, as GitHub checks); with an
// installation token: its repositories and its revocation. A token is `ghs_` + 36 characters,
// lives one hour, and is limited to the repositories and permissions asked for (422 for a
// permission GitHub does not have or the App lacks). Tokens are remembered by SHA-256 only
// (tokens.json), so a restart neither forgets a live token nor keeps one in clear.
import { createHash, createPublicKey, randomBytes, type KeyObject } from "node:crypto";
import { type Context, Hono } from "hono";
import { decodeProtectedHeader, jwtVerify } from "jose";
import type { DevRepos, DevRepository } from "./dev-github-repos.js";
import { jsonState } from "./dev-github-state.js";
import { stableId } from "./dev-oidc-issuer.js";

/** The dev App's repository permissions: every one GitHub has, at its highest level. */
const APP_PERMISSIONS: Readonly<Record<string, "read" | "write">> = Object.fromEntries([
  ...[
    "actions",
    "administration",
    "attestations",
    "checks",
    "contents",
    "deployments",
    "discussions",
    "environments",
    "issues",
    "merge_queues",
    "packages",
    "pages",
    "pull_requests",
    "repository_hooks",
    "secret_scanning_alerts",
    "secrets",
    "security_events",
    "statuses",
    "variables",
    "vulnerability_alerts",
    "workflows",
  ].map((name) => [name, "write"] as const),
  ["metadata", "read"] as const,
]);
const TOKEN_SECONDS = 3600;
const TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export interface DevTokenGrant {
  readonly installationId: number;
  readonly owner: string;
  /** Repository names, lower case. */
  readonly repositories: readonly string[];
  readonly permissions: Readonly<Record<string, string>>;
  readonly expiresAt: string;
  readonly revokedAt?: string;
}

export interface DevInstallations {
  /** The live grant of the request's installation token, or the 401 GitHub answers. */
  tokenOf(c: Context): DevTokenGrant | Response;
  /** What the stand-in knows of a token (revoked or not); tests. */
  grantOf(token: string): DevTokenGrant | undefined;
  installationIdOf(owner: string): number;
  routes(): Hono;
}

export function devInstallations(options: { dir: string; appId: string; appKeyPem: string; repos: DevRepos }): DevInstallations {
  const publicKey = createPublicKey(options.appKeyPem);
  // owners: installation id → owner, for the ids handed out (ids are derived from the owner).
  const tokens = jsonState<{ grants: Record<string, DevTokenGrant>; owners: Record<string, string> }>(options.dir, "tokens.json", () => ({
    grants: {},
    owners: {},
  }));
  const hash = (token: string) => createHash("sha256").update(token).digest("hex");
  const installationId = (owner: string) => Number(stableId(`installation:${owner.toLowerCase()}`));

  const tokenOf = (c: Context): DevTokenGrant | Response => {
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
    const grant = token ? tokens.value.grants[hash(token)] : undefined;
    if (!grant || grant.revokedAt || Date.parse(grant.expiresAt) <= Date.now()) return badCredentials(c);
    return grant;
  };

  const installation = (owner: string) => {
    const id = installationId(owner);
    if (tokens.value.owners[id] !== owner) {
      tokens.value.owners[id] = owner;
      tokens.save();
    }
    return installationJson(id, owner, options.appId);
  };

  const routes = () => {
    const app = new Hono();
    const asApp = async (c: Context) => verifyAppJwt(c, publicKey, options.appId);
    app.get("/repos/:owner/:repo/installation", async (c) => (await asApp(c)) ?? c.json(installation(c.req.param("owner"))));
    app.get("/orgs/:org/installation", async (c) => (await asApp(c)) ?? c.json(installation(c.req.param("org"))));
    app.get("/users/:user/installation", async (c) => (await asApp(c)) ?? c.json(installation(c.req.param("user"))));
    app.post("/app/installations/:id/access_tokens", async (c) => {
      const refused = await asApp(c);
      if (refused) return refused;
      const owner = tokens.value.owners[c.req.param("id")];
      if (!owner) return c.json({ message: "Not Found", documentation_url: DOCS }, 404);
      const body = (await c.req.json().catch(() => ({}))) as { repositories?: unknown; permissions?: unknown };
      const permissions = body.permissions ?? APP_PERMISSIONS;
      const problem = permissionProblem(permissions);
      if (problem) return c.json({ message: problem, documentation_url: DOCS }, 422);
      const names = Array.isArray(body.repositories) ? body.repositories : undefined;
      if (names && (names.length === 0 || names.length > 500 || !names.every((n) => typeof n === "string" && /^[\w.-]+$/.test(n))))
        return c.json({ message: "repositories: must name 1 to 500 repositories of the installation", documentation_url: DOCS }, 422);
      const token = `ghs_${[...randomBytes(36)].map((b) => TOKEN_ALPHABET[b % TOKEN_ALPHABET.length]).join("")}`;
      const expiresAt = new Date(Math.floor(Date.now() / 1000) * 1000 + TOKEN_SECONDS * 1000).toISOString().replace(".000Z", "Z");
      const repositories = (names as string[] | undefined)?.map((n) => n.toLowerCase()) ?? [];
      const grant: DevTokenGrant = {
        installationId: installationId(owner),
        owner,
        repositories,
        permissions: permissions as Record<string, string>,
        expiresAt,
      };
      // Expired grants go when a new one comes: the file stays small.
      for (const [key, old] of Object.entries(tokens.value.grants))
        if (Date.parse(old.expiresAt) <= Date.now()) delete tokens.value.grants[key];
      tokens.value.grants[hash(token)] = grant;
      tokens.save();
      return c.json(
        {
          token,
          expires_at: expiresAt,
          permissions: grant.permissions,
          repository_selection: names ? "selected" : "all",
          ...(names ? { repositories: (names as string[]).map((n) => repositoryJson(options.repos.repository(owner, n))) } : {}),
        },
        201,
      );
    });
    app.get("/installation/repositories", (c) => {
      const grant = tokenOf(c);
      if (grant instanceof Response) return grant;
      const repositories = grant.repositories.map((n) => repositoryJson(options.repos.repository(grant.owner, n)));
      return c.json({
        total_count: repositories.length,
        repository_selection: grant.repositories.length > 0 ? "selected" : "all",
        repositories,
      });
    });
    app.delete("/installation/token", (c) => {
      const grant = tokenOf(c);
      if (grant instanceof Response) return grant;
      const token = /^(?:token|bearer)\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")![1]!;
      tokens.value.grants[hash(token)] = { ...grant, revokedAt: new Date().toISOString() };
      tokens.save();
      return c.body(null, 204);
    });
    return app;
  };

  return { tokenOf, grantOf: (token) => tokens.value.grants[hash(token)], installationIdOf: installationId, routes };
}

function installationJson(id: number, owner: string, appId: string) {
  return {
    id,
    app_id: Number(appId),
    app_slug: "credvend-dev",
    target_type: "Organization",
    target_id: Number(stableId(owner)),
    account: { login: owner, id: Number(stableId(owner)), type: "Organization" },
    repository_selection: "all",
    permissions: APP_PERMISSIONS,
    events: ["push", "secret_scanning_alert"],
  };
}

const DOCS = "https://docs.github.com/rest";

/** GitHub's repository object, the fields a client reads. */
export function repositoryJson(repo: DevRepository) {
  return {
    id: repo.id,
    node_id: `R_dev${repo.id}`,
    name: repo.name,
    full_name: repo.fullName,
    private: true,
    owner: { login: repo.owner, id: repo.ownerId, type: "Organization" },
    html_url: `https://github.com/${repo.fullName}`,
    default_branch: repo.defaultBranch,
    visibility: "private",
  };
}

export function badCredentials(c: Context): Response {
  return c.json({ message: "Bad credentials", documentation_url: DOCS }, 401);
}

function permissionProblem(permissions: unknown): string | undefined {
  if (typeof permissions !== "object" || permissions === null || Array.isArray(permissions)) return "permissions: must be an object";
  for (const [name, level] of Object.entries(permissions)) {
    const most = APP_PERMISSIONS[name];
    if (!most) return `The permissions requested are not granted to this installation: ${name}`;
    if (level !== "read" && level !== "write") return `permissions.${name}: must be read or write`;
    if (most === "read" && level === "write") return `The permissions requested are not granted to this installation: ${name}:write`;
  }
  return undefined;
}

/** undefined when the request carries a valid JWT of the dev App, else GitHub's 401. */
async function verifyAppJwt(c: Context, key: KeyObject, appId: string): Promise<Response | undefined> {
  const jwt = /^bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
  const refuse = (message: string) => c.json({ message, documentation_url: DOCS }, 401);
  if (!jwt) return refuse("A JSON web token could not be decoded");
  try {
    if (decodeProtectedHeader(jwt).alg !== "RS256") return refuse("'alg' must be RS256");
    const { payload } = await jwtVerify(jwt, key, { algorithms: ["RS256"], clockTolerance: 60 });
    if (String(payload.iss) !== appId) return refuse("'Issuer' claim ('iss') must be an Integer");
    if (payload.exp === undefined || payload.iat === undefined || payload.exp - payload.iat > 660)
      return refuse("'Expiration time' claim ('exp') is too far in the future");
    return undefined;
  } catch {
    return refuse("A JSON web token could not be decoded");
  }
}
