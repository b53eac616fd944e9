// GitHub's `push` event, for self-serve trust: a push to a repository's default branch that
// touches `.github/credvend/` changes what its trust policies grant, so the vend functions must
// stop trusting their cached copies at once (the ledger marker of ports/trust-policy-invalidations.ts).
// A push whose file lists may be incomplete (no commits listed: a force-push or a branch reset;
// GitHub lists at most 20 commits) counts as touching it: better one needless re-read than a grant
// that outlives its removal.
import { HttpError } from "../http/http-error.js";

export const TRUST_POLICY_DIR = ".github/credvend/";
/** GitHub lists at most this many commits in a push event. */
const LISTED_COMMITS = 20;
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

export interface PushEvent {
  /** `owner/name`. */
  readonly repository: string;
  /** Whether the push changed (or may have changed) a trust policy on the default branch. */
  readonly touchesTrustPolicies: boolean;
}

export function decodePushEvent(body: unknown): PushEvent {
  const root = object(body, "body");
  const repository = object(root.repository, "repository");
  const fullName = repository.full_name;
  const [owner, repo, extra] = typeof fullName === "string" ? fullName.split("/") : [];
  if (!owner || !repo || extra !== undefined || !NAME.test(owner) || !NAME.test(repo))
    throw invalid("repository.full_name: must be owner/name");
  if (typeof root.ref !== "string") throw invalid("ref: must be a string");
  const defaultBranch = repository.default_branch;
  if (typeof defaultBranch !== "string" || defaultBranch === "") throw invalid("repository.default_branch: must be a non-empty string");
  if (root.commits !== undefined && !Array.isArray(root.commits)) throw invalid("commits: must be a list");
  const commits = (root.commits ?? []) as unknown[];
  const onDefault = root.ref === `refs/heads/${defaultBranch}`;
  const incomplete = commits.length === 0 || commits.length >= LISTED_COMMITS;
  return { repository: `${owner}/${repo}`, touchesTrustPolicies: onDefault && (incomplete || commits.some(touches)) };
}

function touches(commit: unknown): boolean {
  if (typeof commit !== "object" || commit === null) return true;
  const { added, removed, modified } = commit as { added?: unknown; removed?: unknown; modified?: unknown };
  return [added, removed, modified].some(
    (paths) => !Array.isArray(paths) || paths.some((path) => typeof path !== "string" || path.startsWith(TRUST_POLICY_DIR)),
  );
}

function object(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(`${at}: must be an object`);
  return value as Record<string, unknown>;
}

function invalid(message: string): HttpError {
  return new HttpError(400, "invalid_payload", message);
}
