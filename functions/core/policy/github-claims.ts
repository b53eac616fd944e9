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

/** A rule must pin at least one of these, or it would match every repository on GitHub. */
export const ANCHOR_CLAIMS = [
  "repository",
  "repository_id",
  "repository_owner",
  "repository_owner_id",
  "job_workflow_ref",
] as const;
