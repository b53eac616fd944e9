// The dev GitHub stand-in's repository reads, GitHub-shaped, with an installation token that
// covers the repository (else 404, as GitHub hides what a token cannot see) and, for contents,
// the `contents` permission (else 403): the repository (`default_branch`, `id`), a file's
// contents at a ref (base64, git blob sha, ETag → 304 on If-None-Match), commits, branches and
// git refs. And the dev endpoints that change a repository: PUT/DELETE
// /dev/repos/{owner}/{repo}/contents/{path} commit to the default branch (or ?branch=) and
// deliver a signed `push` webhook to the local stack, as GitHub would (?deliver=false: not).
import { createHash, randomUUID } from "node:crypto";
import { type Context, Hono } from "hono";
import { DEFAULT_BRANCH, type DevCommit, type DevRepos } from "./dev-github-repos.js";
import { type DevInstallations, type DevTokenGrant, repositoryJson } from "./dev-github-installations.js";

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const MAX_FILE_BYTES = 1024 * 1024;

export interface DevContentsOptions {
  readonly repos: DevRepos;
  readonly installations: DevInstallations;
  /** Where `push` webhooks go (the local stack's webhooks route); none: never delivered. */
  readonly webhookUrl?: string;
  signWebhook(body: string): string;
}

export function devContentsRoutes(options: DevContentsOptions): Hono {
  const app = new Hono();
  const { repos } = options;
  const notFound = (c: Context) => c.json({ message: "Not Found", documentation_url: "https://docs.github.com/rest" }, 404);
  /** The token's grant when it covers owner/repo (and `permission`, when named), else GitHub's answer. */
  const access = (c: Context, permission?: string): DevTokenGrant | Response => {
    const grant = options.installations.tokenOf(c);
    if (grant instanceof Response) return grant;
    const { owner, repo } = c.req.param() as { owner: string; repo: string };
    const covers =
      grant.owner.toLowerCase() === owner.toLowerCase() &&
      (grant.repositories.length === 0 || grant.repositories.includes(repo.toLowerCase()));
    if (!covers) return notFound(c);
    if (permission && !grant.permissions[permission])
      return c.json({ message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest" }, 403);
    return grant;
  };

  app.get("/repos/:owner/:repo", (c) => {
    const denied = access(c);
    if (denied instanceof Response) return denied;
    return c.json(repositoryJson(repos.repository(c.req.param("owner"), c.req.param("repo"))));
  });
  app.get("/repos/:owner/:repo/contents/*", (c) => {
    const denied = access(c, "contents");
    if (denied instanceof Response) return denied;
    const { owner, repo } = c.req.param();
    const path = pathAfter(c, "/contents/");
    const ref = c.req.query("ref");
    const commit = repos.resolve(owner, repo, ref);
    if (!commit) return c.json({ message: `No commit found for the ref ${ref}`, documentation_url: "https://docs.github.com/rest" }, 404);
    const body = contentsJson(options, owner, repo, commit, path);
    if (body === undefined) return notFound(c);
    const etag = `"${createHash("sha1").update(JSON.stringify(body)).digest("hex")}"`;
    c.header("etag", etag);
    if (c.req.header("if-none-match") === etag) return c.body(null, 304);
    if (!Array.isArray(body) && /application\/vnd\.github(\.v3)?\.raw/.test(c.req.header("accept") ?? ""))
      return c.body(new Uint8Array(repos.blob(body.sha)!), 200, { "content-type": "application/vnd.github.raw" });
    return c.json(body);
  });
  app.get("/repos/:owner/:repo/commits/:ref", (c) => {
    const denied = access(c, "contents");
    if (denied instanceof Response) return denied;
    const commit = repos.resolve(c.req.param("owner"), c.req.param("repo"), c.req.param("ref"));
    return commit ? c.json(commitJson(commit)) : c.json({ message: `No commit found for SHA: ${c.req.param("ref")}` }, 422);
  });
  app.get("/repos/:owner/:repo/branches/:branch", (c) => {
    const denied = access(c);
    if (denied instanceof Response) return denied;
    const branch = c.req.param("branch");
    const commit = /^[0-9a-f]{40}$/.test(branch) ? undefined : repos.resolve(c.req.param("owner"), c.req.param("repo"), branch);
    if (!commit) return c.json({ message: "Branch not found" }, 404);
    return c.json({ name: branch, commit: commitJson(commit), protected: false });
  });
  app.get("/repos/:owner/:repo/git/ref/heads/:branch", (c) => {
    const denied = access(c, "contents");
    if (denied instanceof Response) return denied;
    const branch = c.req.param("branch");
    const commit = /^[0-9a-f]{40}$/.test(branch) ? undefined : repos.resolve(c.req.param("owner"), c.req.param("repo"), branch);
    if (!commit) return notFound(c);
    return c.json({ ref: `refs/heads/${branch}`, object: { sha: commit.sha, type: "commit" } });
  });

  const change = async (c: Context, content: Buffer | null) => {
    const { owner, repo } = c.req.param() as { owner: string; repo: string };
    const path = pathAfter(c, "/contents/");
    const branch = c.req.query("branch") ?? DEFAULT_BRANCH;
    if (!NAME.test(owner) || !NAME.test(repo)) return devError(c, 400, "invalid_repository", "owner and repository must be GitHub names");
    if (!validPath(path)) return devError(c, 400, "invalid_path", "path must be a relative file path without empty, . or .. segments");
    if (!/^[A-Za-z0-9._/-]{1,200}$/.test(branch) || branch.includes("..") || /^[0-9a-f]{40}$/.test(branch))
      return devError(c, 400, "invalid_branch", "branch must be a branch name");
    const deliver = c.req.query("deliver") ?? "true";
    if (deliver !== "true" && deliver !== "false") return devError(c, 400, "invalid_deliver", "deliver must be true or false");
    if (content && content.length > MAX_FILE_BYTES) return devError(c, 413, "too_large", `a file is at most ${MAX_FILE_BYTES} bytes here`);
    const existed = repos.resolve(owner, repo, branch)?.tree[path] !== undefined;
    const done = repos.commit(owner, repo, { path, content, branch });
    if (!done) return devError(c, 404, "not_found", `${path} does not exist on ${owner}/${repo}@${branch}`);
    const delivery = deliver === "true" ? await deliverPush(options, { owner, repo, branch, path, existed, ...done }) : null;
    return c.json(
      { commit: { sha: done.after.sha }, content: done.blobSha ? { path, sha: done.blobSha } : null, delivery },
      content ? 201 : 200,
    );
  };
  app.put("/dev/repos/:owner/:repo/contents/*", async (c) => change(c, Buffer.from(await c.req.arrayBuffer())));
  app.delete("/dev/repos/:owner/:repo/contents/*", (c) => change(c, null));
  return app;
}

function pathAfter(c: Context, marker: string): string {
  const pathname = new URL(c.req.url).pathname;
  return decodeURIComponent(pathname.slice(pathname.indexOf(marker) + marker.length)).replace(/\/+$/, "");
}

function validPath(path: string): boolean {
  return path.length > 0 && path.length <= 400 && path.split("/").every((s) => s !== "" && s !== "." && s !== ".." && !/[\0\\]/.test(s));
}

function devError(c: Context, status: 400 | 404 | 413, code: string, message: string) {
  return c.json({ error: { code, message } }, status);
}

type ContentsJson = { type: "file"; sha: string; [field: string]: unknown } | { type: string; name: string; path: string }[];

/** A file (GitHub's object, base64 in lines of 60 as GitHub sends it) or a directory (its entries). */
function contentsJson(options: DevContentsOptions, owner: string, repo: string, commit: DevCommit, path: string): ContentsJson | undefined {
  const sha = commit.tree[path];
  const fullName = options.repos.repository(owner, repo).fullName;
  const base = (p: string, s: string, type: string) => ({
    type,
    name: p.split("/").at(-1)!,
    path: p,
    sha: s,
    url: `https://api.github.com/repos/${fullName}/contents/${p}?ref=${commit.sha}`,
    html_url: `https://github.com/${fullName}/blob/${commit.sha}/${p}`,
  });
  if (sha !== undefined) {
    const bytes = options.repos.blob(sha)!;
    const content = bytes.toString("base64").replace(/(.{60})/g, "$1\n");
    return { ...base(path, sha, "file"), type: "file", size: bytes.length, encoding: "base64", content: `${content}\n` };
  }
  const prefix = path === "" ? "" : `${path}/`;
  const entries = new Map<string, { type: string; name: string; path: string }>();
  for (const [file, blob] of Object.entries(commit.tree)) {
    if (!file.startsWith(prefix)) continue;
    const [first, ...rest] = file.slice(prefix.length).split("/");
    const entryPath = `${prefix}${first}`;
    entries.set(entryPath, rest.length > 0 ? { type: "dir", name: first!, path: entryPath } : base(entryPath, blob, "file"));
  }
  return entries.size > 0 ? [...entries.values()] : undefined;
}

function commitJson(commit: DevCommit) {
  return {
    sha: commit.sha,
    commit: {
      message: commit.message,
      author: { name: "credvend dev", date: commit.date },
      tree: { sha: createHash("sha1").update(JSON.stringify(commit.tree)).digest("hex") },
    },
    parents: commit.parent ? [{ sha: commit.parent }] : [],
  };
}

/** GitHub's `push` event for one commit, signed with the dev webhook secret. */
async function deliverPush(
  options: DevContentsOptions,
  push: {
    owner: string;
    repo: string;
    branch: string;
    path: string;
    existed: boolean;
    before: string;
    after: DevCommit;
    blobSha: string | null;
  },
): Promise<{ status: number | null; error?: string }> {
  if (!options.webhookUrl) return { status: null, error: "no webhook URL: the stand-in runs outside the local stack" };
  const repository = options.repos.repository(push.owner, push.repo);
  const commit = {
    id: push.after.sha,
    message: push.after.message,
    timestamp: push.after.date,
    added: push.blobSha && !push.existed ? [push.path] : [],
    removed: push.blobSha ? [] : [push.path],
    modified: push.blobSha && push.existed ? [push.path] : [],
  };
  const body = JSON.stringify({
    ref: `refs/heads/${push.branch}`,
    before: push.before,
    after: push.after.sha,
    created: false,
    deleted: false,
    forced: false,
    commits: [commit],
    head_commit: commit,
    repository: { ...repositoryJson(repository), master_branch: repository.defaultBranch },
    pusher: { name: "credvend-dev" },
    sender: { login: "credvend-dev" },
    installation: { id: options.installations.installationIdOf(push.owner) },
  });
  try {
    const response = await fetch(options.webhookUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/credvend-dev",
        "x-github-event": "push",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": options.signWebhook(body),
      },
      body,
    });
    await response.body?.cancel();
    return { status: response.status };
  } catch (error) {
    return { status: null, error: error instanceof Error ? error.message : "delivery failed" };
  }
}
