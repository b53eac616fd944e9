// TrustPolicy for GitHub: `.github/credvend/<identity>.yaml` of the target repository, read at the
// head commit of its DEFAULT branch (the branch is resolved, then its commit, then the file at that
// commit: never a ref the caller names, so a fork or a pull request branch cannot change what is
// read), falling back to the same path in the owner's `.github` repository. The etag is the
// commit(s) read at: an unchanged head means an unchanged file, so a conditional read costs two
// small requests and no content.
import type { Octokit } from "@octokit/core";
import type { TrustPolicyFile, TrustPolicyRequest } from "../../plugin-protocol/types.js";
import { MAX_TRUST_POLICY_BYTES } from "../../plugin-protocol/convert-trust-policy.js";
import { PluginError } from "../sdk/plugin-error.js";
import { statusOf, type GitHubApp } from "./github-app.js";
import { parseRepository } from "./scopes.js";

const FALLBACK_REPOSITORY = ".github";

interface Head {
  readonly fullName: string;
  readonly defaultBranch: string;
  readonly sha: string;
}

export async function readTrustPolicy(app: GitHubApp, request: TrustPolicyRequest): Promise<TrustPolicyFile> {
  const target = parseRepository(request.target);
  if (!target) throw new PluginError("invalid_argument", `"${request.target}" is not a repository: expected owner/repo`);
  const path = `.github/credvend/${request.identity}.yaml`;
  const reader = await app.contentsReader(target.owner, target.repo);

  const head = await headOf(reader, target.owner, target.repo);
  if (!head) return { status: "not_found" };
  if (request.ifNoneMatch === head.sha) return { status: "not_modified", etag: head.sha };
  const own = await fileAt(reader, target.owner, target.repo, path, head.sha);
  if (own !== "missing") return answer(own, path, head, head.sha);
  if (target.repo.toLowerCase() === FALLBACK_REPOSITORY) return { status: "not_found" };

  const org = await headOf(reader, target.owner, FALLBACK_REPOSITORY);
  if (!org) return { status: "not_found" };
  // Both heads: a file added to the target since must win over the owner's.
  const etag = `${head.sha}+${org.sha}`;
  if (request.ifNoneMatch === etag) return { status: "not_modified", etag };
  const fallback = await fileAt(reader, target.owner, FALLBACK_REPOSITORY, path, org.sha);
  return fallback === "missing" ? { status: "not_found" } : answer(fallback, path, org, etag);
}

function answer(file: Uint8Array | "too_large", path: string, head: Head, etag: string): TrustPolicyFile {
  const location = { path, repository: head.fullName, commitSha: head.sha };
  if (file === "too_large") return { status: "too_large", ...location };
  return { status: "found", content: file, defaultBranch: head.defaultBranch, etag, ...location };
}

/**
 * The default branch and its head commit; undefined when the repository does not exist (or the App
 * cannot see it). A repository GitHub answers under another name was renamed or transferred:
 * refused, because what a scope names must be what is read and what is granted.
 */
async function headOf(reader: Octokit, owner: string, repo: string): Promise<Head | undefined> {
  let fullName: string;
  let defaultBranch: string;
  try {
    const { data } = await reader.request("GET /repos/{owner}/{repo}", { owner, repo });
    fullName = data.full_name;
    defaultBranch = data.default_branch;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw readFailure(error, `${owner}/${repo}`);
  }
  if (fullName.toLowerCase() !== `${owner}/${repo}`.toLowerCase())
    throw new PluginError(
      "invalid_argument",
      `${owner}/${repo} was renamed or transferred (GitHub now calls it ${fullName}): name the repository by its current name`,
    );
  try {
    const { data } = await reader.request("GET /repos/{owner}/{repo}/branches/{branch}", { owner, repo, branch: defaultBranch });
    return { fullName, defaultBranch, sha: data.commit.sha };
  } catch (error) {
    // An empty repository has a default branch name and no branch.
    if (statusOf(error) === 404) return undefined;
    throw readFailure(error, `${owner}/${repo}`);
  }
}

async function fileAt(
  reader: Octokit,
  owner: string,
  repo: string,
  path: string,
  sha: string,
): Promise<Uint8Array | "too_large" | "missing"> {
  try {
    const { data } = await reader.request("GET /repos/{owner}/{repo}/contents/{path}", { owner, repo, path, ref: sha });
    if (Array.isArray(data) || data.type !== "file")
      throw new PluginError("invalid_argument", `${owner}/${repo}: ${path} is not a regular file`);
    if (data.size > MAX_TRUST_POLICY_BYTES) return "too_large";
    const content = Buffer.from(data.content ?? "", "base64");
    // GitHub's own size must agree with what it sent: a truncated answer is not the file.
    if (content.byteLength !== data.size) throw new PluginError("unavailable", "GitHub sent an incomplete file; retry shortly");
    return new Uint8Array(content);
  } catch (error) {
    if (error instanceof PluginError) throw error;
    if (statusOf(error) === 404) return "missing";
    throw readFailure(error, `${owner}/${repo}`);
  }
}

/** Reading a trust policy failed upstream: the core denies (503) and tries again later. */
function readFailure(error: unknown, repository: string): PluginError {
  const status = statusOf(error);
  if (status === 403 || status === 401)
    return new PluginError("unavailable", `GitHub refused the App read access to ${repository} (${status}): it needs contents: read`, {
      cause: error,
    });
  if (status === 429) return new PluginError("unavailable", "GitHub's rate limit for the App is exhausted; retry later", { cause: error });
  return new PluginError("unavailable", "GitHub is unavailable; retry shortly", { cause: error });
}
