// Serialize: a set of github scopes → ONE installation token request (the body of
// POST /app/installations/{id}/access_tokens). Narrowed, never widened: each permission gets the
// highest level actually requested (write covers read), and only the named repositories.
import { formatScope, type Scope } from "../../plugin-protocol/scope.js";
import { PluginError } from "../sdk/plugin-error.js";
import { apiPermissionName, parseGitHubScope, type AccessLevel } from "./scopes.js";

export const TOKEN_REQUEST_MEDIA_TYPE = "application/vnd.credvend.github.token-request+json";

export interface TokenRequest {
  readonly version: 1;
  readonly owner: string;
  /** Repository names without the owner, sorted, no duplicates. */
  readonly repositories: readonly string[];
  /** GitHub's permission names → level, keys sorted. */
  readonly permissions: Readonly<Record<string, AccessLevel>>;
}

export function toTokenRequest(scopes: readonly Scope[]): TokenRequest {
  const grants = scopes.map((scope) => {
    const grant = parseGitHubScope(scope);
    if (!grant) throw new PluginError("invalid_argument", `not a valid github scope: ${formatScope(scope)}`);
    return grant;
  });
  // GitHub owners are case-insensitive; one token belongs to one installation, so one owner.
  const owners = [...new Set(grants.map((g) => g.owner.toLowerCase()))];
  if (owners.length !== 1) {
    throw new PluginError(
      "invalid_argument",
      `one GitHub token covers one owner's repositories; request ${owners.join(" and ")} separately`,
    );
  }
  const levels = new Map<string, AccessLevel>();
  for (const grant of grants) {
    const api = apiPermissionName(grant.permission);
    if (levels.get(api) !== "write") levels.set(api, grant.level);
  }
  // Repository names are case-insensitive on GitHub: one entry per name, as first written.
  const named = new Map<string, string>();
  for (const grant of grants) if (!named.has(grant.repo.toLowerCase())) named.set(grant.repo.toLowerCase(), grant.repo);
  const repositories = [...named.keys()].sort().map((key) => named.get(key)!);
  const permissions = Object.fromEntries([...levels.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  return { version: 1, owner: grants[0]!.owner, repositories, permissions };
}

export function encodeTokenRequest(request: TokenRequest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(request));
}

/** True when the bytes are exactly what `toTokenRequest` makes for these scopes. */
export function matchesTokenRequest(bytes: Uint8Array, expected: TokenRequest): boolean {
  return new TextDecoder().decode(bytes) === JSON.stringify(expected);
}
