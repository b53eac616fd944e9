// Revoking a vended installation token: DELETE /installation/token authenticated WITH the token,
// which the worker kept sealed in its vault (token-vault.ts). 204 → revoked; 401 → GitHub no
// longer knows it (expired or revoked before) → already gone. Without the token (never kept,
// or lost), the worker cannot revoke and says so: it never claims a revocation GitHub did not do.
import { Octokit } from "@octokit/core";
import type { RevokeRequest, RevokeResult } from "../../plugin-protocol/types.js";
import { PluginError } from "../sdk/plugin-error.js";
import type { TokenVault, VaultEntry } from "./token-vault.js";

export interface GitHubRevokeOptions {
  readonly vault: TokenVault;
  readonly apiUrl: string;
  readonly fetch?: typeof fetch;
}

const QUIET = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export function gitHubRevoke(options: GitHubRevokeOptions): (request: RevokeRequest) => Promise<RevokeResult> {
  return async (request) => {
    let entry: VaultEntry | undefined;
    try {
      entry = await options.vault.open(request.credentialId);
    } catch (error) {
      throw new PluginError("unavailable", "the token vault is unavailable", { cause: error });
    }
    if (entry && "revokedAt" in entry)
      return { outcome: "already_gone", detail: `revoked by this worker at ${entry.revokedAt.toISOString()}` };
    const token = entry?.token;
    if (token === undefined) {
      if (request.expiresAt.getTime() <= Date.now()) return { outcome: "already_gone", detail: "expired" };
      throw new PluginError("not_found", "this worker holds no revocable token for the credential: revoke it by hand");
    }
    const octokit = new Octokit({
      auth: token,
      baseUrl: options.apiUrl.replace(/\/+$/, ""),
      userAgent: "credvend-github-worker",
      log: QUIET,
      ...(options.fetch ? { request: { fetch: options.fetch } } : {}),
    });
    let result: RevokeResult;
    try {
      await octokit.request("DELETE /installation/token");
      result = { outcome: "revoked", detail: "GitHub revoked the installation token" };
    } catch (error) {
      if ((error as { status?: unknown }).status !== 401) {
        throw new PluginError("unavailable", "GitHub did not revoke the token; retry", { cause: error });
      }
      result = { outcome: "already_gone", detail: "GitHub no longer accepts the token" };
    }
    // Revoked or dead either way: the sealed copy has no further use; the tombstone answers repeats.
    await options.vault.markRevoked(request.credentialId).catch(() => undefined);
    return result;
  };
}
