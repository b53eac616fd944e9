// Claim names a GitHub Actions OIDC token carries. A `when` key outside this list is almost
// always a typo (`repo:` for `repository:`), and a typo in a deny-by-default policy silently
// denies, so it is a load error instead.
export const GITHUB_CLAIM_NAMES = new Set([
  "sub",
  "iss",
  "aud",
  "ref",
  "ref_type",
  "ref_protected",
  "repository",
  "repository_id",
  "repository_owner",
  "repository_owner_id",
  "repository_visibility",
  "run_id",
  "run_number",
  "run_attempt",
  "runner_environment",
  "actor",
  "actor_id",
  "workflow",
  "workflow_ref",
  "workflow_sha",
  "head_ref",
  "base_ref",
  "event_name",
  "environment",
  "job_workflow_ref",
  "job_workflow_sha",
  "sha",
  "enterprise",
  "enterprise_id",
]);

/**
 * A rule must pin at least one of these, or it would match every repository on GitHub; and each
 * one it names must be literal, because a glob here (`acme*`) matches names anyone can register
 * (`acme-evil`). The ids survive renames and cannot be taken over by re-registering a freed name,
 * so GitHub recommends them over the names.
 */
export const ANCHOR_CLAIMS = ["repository", "repository_id", "repository_owner", "repository_owner_id"] as const;

/**
 * Not an anchor on its own: a public reusable workflow can be called from any repository, so
 * `job_workflow_ref` narrows a rule only beside one of ANCHOR_CLAIMS.
 */
export const REUSABLE_WORKFLOW_CLAIM = "job_workflow_ref";
