// The github provider's scope rules: `github:<permission>-<read|write>:<owner>/<repo>`, one
// GitHub App repository permission at one access level on one repository.
import type { ScopeAnalysis, ScopeValidation } from "../../plugin-protocol/types.js";
import type { Scope } from "../../plugin-protocol/scope.js";

export const GITHUB_PROVIDER = "github";
export type AccessLevel = "read" | "write";

interface PermissionRule {
  /** GitHub's name in the access_tokens `permissions` object. */
  readonly api: string;
  readonly levels: readonly AccessLevel[];
  /** Write access that can change code, secrets or settings: analyzed as high risk. */
  readonly sensitive?: boolean;
}

// GitHub App repository permissions (REST "Create an installation access token").
export const GITHUB_PERMISSIONS: Readonly<Record<string, PermissionRule>> = {
  actions: { api: "actions", levels: ["read", "write"] },
  administration: { api: "administration", levels: ["read", "write"], sensitive: true },
  attestations: { api: "attestations", levels: ["read", "write"] },
  checks: { api: "checks", levels: ["read", "write"] },
  contents: { api: "contents", levels: ["read", "write"] },
  deployments: { api: "deployments", levels: ["read", "write"] },
  discussions: { api: "discussions", levels: ["read", "write"] },
  environments: { api: "environments", levels: ["read", "write"], sensitive: true },
  issues: { api: "issues", levels: ["read", "write"] },
  "merge-queues": { api: "merge_queues", levels: ["read", "write"] },
  metadata: { api: "metadata", levels: ["read"] },
  packages: { api: "packages", levels: ["read", "write"] },
  pages: { api: "pages", levels: ["read", "write"] },
  "pull-requests": { api: "pull_requests", levels: ["read", "write"] },
  "repository-hooks": { api: "repository_hooks", levels: ["read", "write"], sensitive: true },
  "secret-scanning-alerts": { api: "secret_scanning_alerts", levels: ["read", "write"] },
  secrets: { api: "secrets", levels: ["read", "write"], sensitive: true },
  "security-events": { api: "security_events", levels: ["read", "write"] },
  statuses: { api: "statuses", levels: ["read", "write"] },
  variables: { api: "variables", levels: ["read", "write"] },
  "vulnerability-alerts": { api: "vulnerability_alerts", levels: ["read", "write"] },
  workflows: { api: "workflows", levels: ["write"], sensitive: true },
};

// GitHub's rules: owner 1-39 letters, digits or dashes, not starting with a dash; repository
// 1-100 letters, digits, ".", "_" or "-". No wildcards: a token names its repositories.
const OWNER = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

export interface GitHubGrant {
  readonly permission: string;
  readonly level: AccessLevel;
  readonly owner: string;
  readonly repo: string;
}

/** `owner/repo` as the scope grammar's resource names one; undefined for anything else. */
export function parseRepository(resource: string): { owner: string; repo: string } | undefined {
  const slash = resource.indexOf("/");
  const owner = resource.slice(0, slash);
  const repo = resource.slice(slash + 1);
  if (slash < 0 || !OWNER.test(owner) || !REPO.test(repo) || repo === "." || repo === "..") return undefined;
  return { owner, repo };
}

/** `undefined` when the scope is not a valid github scope; see validateGitHubScope for why. */
export function parseGitHubScope(scope: Scope): GitHubGrant | undefined {
  return grantOrError(scope).grant;
}

export function validateGitHubScope(scope: Scope): ScopeValidation {
  const { error } = grantOrError(scope);
  return error === undefined ? { scope, valid: true, normalized: scope } : { scope, valid: false, error };
}

function grantOrError(scope: Scope): { grant?: GitHubGrant; error?: string } {
  if (scope.provider !== GITHUB_PROVIDER) return { error: `provider "${scope.provider}" is not served by the github worker` };
  const dash = scope.action.lastIndexOf("-");
  const permission = dash < 0 ? scope.action : scope.action.slice(0, dash);
  const level = dash < 0 ? "" : scope.action.slice(dash + 1);
  if (level !== "read" && level !== "write") return { error: `action "${scope.action}" must be <permission>-read or <permission>-write` };
  const rule = GITHUB_PERMISSIONS[permission];
  if (!rule)
    return { error: `GitHub Apps have no repository permission "${permission}" (known: ${Object.keys(GITHUB_PERMISSIONS).join(", ")})` };
  if (!rule.levels.includes(level))
    return { error: `GitHub's "${permission}" permission has no ${level} level (only ${rule.levels.join(", ")})` };
  const slash = scope.resource.indexOf("/");
  const owner = scope.resource.slice(0, slash);
  const repo = scope.resource.slice(slash + 1);
  if (scope.resource.includes("*")) return { error: `wildcards are not allowed: name the repository as owner/repo` };
  if (slash < 0 || !OWNER.test(owner) || !REPO.test(repo) || repo === "." || repo === "..") {
    return { error: `"${scope.resource}" is not a repository: expected owner/repo` };
  }
  return { grant: { permission, level, owner, repo } };
}

export function analyzeGitHubScope(scope: Scope): ScopeAnalysis {
  const grant = parseGitHubScope(scope);
  if (!grant || grant.level === "read") return { scope, risk: "low", warnings: [] };
  if (GITHUB_PERMISSIONS[grant.permission]?.sensitive) {
    return {
      scope,
      risk: "high",
      warnings: [`${grant.permission} write can change ${grant.owner}/${grant.repo}'s code paths, settings or secrets`],
    };
  }
  return { scope, risk: "medium", warnings: [] };
}

export function apiPermissionName(permission: string): string {
  const rule = GITHUB_PERMISSIONS[permission];
  if (!rule) throw new Error(`unknown GitHub permission ${permission}`);
  return rule.api;
}
