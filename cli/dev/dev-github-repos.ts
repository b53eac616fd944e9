// The dev GitHub stand-in's repositories: every `owner/name` exists (the dev App is installed on
// all of them), with default branch `main` and an initial empty commit; the dev endpoints commit
// files to it. Ids are the dev OIDC issuer's (derived from the names), so a policy anchored on
// `repository_id` matches. Blob shas are git's (sha1 of "blob <size>\0<bytes>"), as GitHub's
// contents API reports them. Kept under the data dir (repos.json), so a restart keeps history.
import { createHash } from "node:crypto";
import { stableId } from "./dev-oidc-issuer.js";
import { jsonState } from "./dev-github-state.js";

export const DEFAULT_BRANCH = "main";

interface CommitData {
  readonly parent: string | null;
  readonly message: string;
  readonly date: string;
  /** path → blob sha */
  readonly tree: Record<string, string>;
}

interface RepoData {
  readonly owner: string;
  readonly name: string;
  /** branch → head commit sha */
  readonly branches: Record<string, string>;
  readonly commits: Record<string, CommitData>;
}

interface ReposFile {
  repos: Record<string, RepoData>;
  /** blob sha → base64 bytes */
  blobs: Record<string, string>;
}

export interface DevRepository {
  readonly id: number;
  readonly ownerId: number;
  readonly owner: string;
  readonly name: string;
  readonly fullName: string;
  readonly defaultBranch: string;
}

export interface DevCommit {
  readonly sha: string;
  readonly parent: string | null;
  readonly message: string;
  readonly date: string;
  readonly tree: Readonly<Record<string, string>>;
}

export interface DevRepos {
  repository(owner: string, name: string): DevRepository;
  /** A branch name, `refs/heads/<branch>` or a commit sha; undefined when unknown. */
  resolve(owner: string, name: string, ref?: string): DevCommit | undefined;
  blob(sha: string): Buffer | undefined;
  /** Commits `content` (or a removal, when null) to `branch` (default: the default branch). */
  commit(
    owner: string,
    name: string,
    change: { path: string; content: Buffer | null; branch?: string; message?: string },
  ): { before: string; after: DevCommit; blobSha: string | null } | undefined;
}

export function devRepos(dir: string): DevRepos {
  const state = jsonState<ReposFile>(dir, "repos.json", () => ({ repos: {}, blobs: {} }));
  const key = (owner: string, name: string) => `${owner}/${name}`.toLowerCase();

  const data = (owner: string, name: string): RepoData => {
    const existing = state.value.repos[key(owner, name)];
    if (existing) return existing;
    // Not saved until something is committed: an untouched repository is the same after a restart.
    const initial: CommitData = { parent: null, message: "Initial commit", date: "2026-01-01T00:00:00Z", tree: {} };
    const sha = sha1(`commit\0${key(owner, name)}\0initial`);
    return { owner, name, branches: { [DEFAULT_BRANCH]: sha }, commits: { [sha]: initial } };
  };

  const repository = (owner: string, name: string): DevRepository => {
    const repo = data(owner, name);
    const fullName = `${repo.owner}/${repo.name}`;
    return {
      id: Number(stableId(fullName)),
      ownerId: Number(stableId(repo.owner)),
      owner: repo.owner,
      name: repo.name,
      fullName,
      defaultBranch: DEFAULT_BRANCH,
    };
  };

  const resolve = (owner: string, name: string, ref?: string): DevCommit | undefined => {
    const repo = data(owner, name);
    const wanted = ref === undefined || ref === "" ? DEFAULT_BRANCH : ref.replace(/^refs\/heads\//, "");
    const sha = repo.branches[wanted] ?? (/^[0-9a-f]{40}$/.test(wanted) && repo.commits[wanted] ? wanted : undefined);
    const commit = sha ? repo.commits[sha] : undefined;
    return sha && commit ? { sha, ...commit } : undefined;
  };

  return {
    repository,
    resolve,
    blob: (sha) => {
      const base64 = state.value.blobs[sha];
      return base64 === undefined ? undefined : Buffer.from(base64, "base64");
    },
    commit(owner, name, change) {
      const repo = data(owner, name);
      const branch = change.branch ?? DEFAULT_BRANCH;
      // A new branch starts from the default branch's head, as `git checkout -b` would.
      const before = repo.branches[branch] ?? repo.branches[DEFAULT_BRANCH]!;
      const parent = repo.commits[before]!;
      if (change.content === null && parent.tree[change.path] === undefined) return undefined;
      const tree = { ...parent.tree };
      let blobSha: string | null = null;
      if (change.content === null) delete tree[change.path];
      else {
        blobSha = sha1(Buffer.concat([Buffer.from(`blob ${change.content.length}\0`), change.content]));
        state.value.blobs[blobSha] = change.content.toString("base64");
        tree[change.path] = blobSha;
      }
      const date = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      const message = change.message ?? `${change.content === null ? "Delete" : "Update"} ${change.path}`;
      const commit: CommitData = { parent: before, message, date, tree };
      const sha = sha1(JSON.stringify({ ...commit, salt: Date.now() + Math.random() }));
      state.value.repos[key(owner, name)] = {
        ...repo,
        branches: { ...repo.branches, [branch]: sha },
        commits: { ...repo.commits, [sha]: commit },
      };
      state.save();
      return { before, after: { sha, ...commit }, blobSha };
    },
  };
}

function sha1(data: string | Buffer): string {
  return createHash("sha1").update(data).digest("hex");
}
