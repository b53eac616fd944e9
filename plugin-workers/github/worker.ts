// github: one GitHub App installation token per vend, narrowed to the requested repositories and
// permissions. Revoke is served when a token vault is configured (revoke.ts, token-vault.ts):
// GitHub revokes an installation token only when called with the token itself (DELETE
// /installation/token), so the worker keeps each token sealed until it expires.
import type { ScopeSetRequest, VendRequest, VendResult, WorkerConfiguration } from "../../plugin-protocol/types.js";
import { PluginError } from "../sdk/plugin-error.js";
import { servePlugin, type ServedPlugin } from "../sdk/serve-plugin.js";
import type { CallerAuthentication } from "../sdk/caller-check.js";
import type { PluginImplementation } from "../sdk/plugin-implementation.js";
import type { GitHubApp } from "./github-app.js";
import { GITHUB_PROVIDER, analyzeGitHubScope, validateGitHubScope } from "./scopes.js";
import { gitHubRevoke, type GitHubRevokeOptions } from "./revoke.js";
import { installationSettingsUrl } from "./installation-url.js";
import { readTrustPolicy } from "./trust-policy.js";
import { parsedTrustPolicy } from "../sdk/strict-yaml.js";
import { TOKEN_REQUEST_MEDIA_TYPE, encodeTokenRequest, matchesTokenRequest, toTokenRequest, type TokenRequest } from "./token-request.js";

export const GITHUB_WORKER_NAME = "github";
export const GITHUB_WORKER_VERSION = "0.1.0";
/** GitHub installation tokens live one hour; the lifetime cannot be chosen. */
export const GITHUB_TOKEN_SECONDS = 3600;
const APP_SETTINGS = "GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY, _FILE or, on AWS, the key's secret";
const CREDENTIAL_ID = /^[\x21-\x7e]{1,128}$/;

export interface GitHubWorkerOptions {
  /**
   * Undefined when no App is configured (local stack): Vend answers "not configured". A function
   * is asked on every vend (on AWS: the App of the key secret's latest reading, compose.ts).
   */
  readonly app?: GitHubApp | (() => Promise<GitHubApp | undefined>);
  /** With a vault, tokens are kept sealed until expiry and the worker serves Revoke (revoke.ts). */
  readonly revocation?: GitHubRevokeOptions;
}

/** What a later `revoke` or an investigator can use: never the token. */
export interface GitHubTokenRef {
  readonly installationId: number;
  readonly owner: string;
  readonly repositories: readonly string[];
  readonly permissions: Readonly<Record<string, string>>;
}

export function createGitHubWorker(options: GitHubWorkerOptions): PluginImplementation {
  function tokenRequestFor(request: ScopeSetRequest): TokenRequest {
    // With revocation, a shorter TTL is honoured: the broker revokes the token at the granted time.
    if (!options.revocation) requireFullHour(request.ttlSeconds);
    return toTokenRequest(request.scopes);
  }

  async function configuredApp(): Promise<GitHubApp> {
    const app = typeof options.app === "function" ? await options.app() : options.app;
    if (!app) {
      throw new PluginError("unavailable", `the github worker is not configured: it has no GitHub App (${APP_SETTINGS})`);
    }
    return app;
  }

  async function vend(request: VendRequest): Promise<VendResult> {
    if (!CREDENTIAL_ID.test(request.credentialId)) throw new PluginError("invalid_argument", "invalid credential id");
    const tokenRequest = tokenRequestFor(request);
    if (!matchesTokenRequest(request.serialized, tokenRequest)) {
      throw new PluginError("invalid_argument", "serialized token request does not match the requested scopes");
    }
    const app = await configuredApp();
    const minted = await app.createToken(tokenRequest);
    const ref: GitHubTokenRef = {
      installationId: minted.installationId,
      owner: tokenRequest.owner,
      repositories: tokenRequest.repositories,
      permissions: tokenRequest.permissions,
    };
    const notes =
      request.ttlSeconds > GITHUB_TOKEN_SECONDS
        ? [`GitHub installation tokens live ${GITHUB_TOKEN_SECONDS}s; ttl shortened from ${request.ttlSeconds}s`]
        : request.ttlSeconds < GITHUB_TOKEN_SECONDS
          ? [`GitHub installation tokens live ${GITHUB_TOKEN_SECONDS}s; this one is revoked after the ${request.ttlSeconds}s granted`]
          : [];
    // Kept before it is handed out: a token the vault could not keep is not revocable, so refuse it.
    if (options.revocation) {
      await options.revocation.vault.keep(request.credentialId, minted.token, minted.expiresAt).catch((error: unknown) => {
        throw new PluginError("unavailable", "the token vault is unavailable", { cause: error });
      });
    }
    const revocable = options.revocation !== undefined;
    return {
      credential: { token: minted.token },
      expiresAt: minted.expiresAt,
      revocable,
      upstreamRef: JSON.stringify(ref),
      notes,
      manualRevocationUrl: installationSettingsUrl(minted.installationId, minted.account),
    };
  }

  return {
    name: GITHUB_WORKER_NAME,
    version: GITHUB_WORKER_VERSION,
    providers: [GITHUB_PROVIDER],
    validate: (scopes) => scopes.map(validateGitHubScope),
    analyze: (request) => request.scopes.map(analyzeGitHubScope),
    serialize: (request) => ({ serialized: encodeTokenRequest(tokenRequestFor(request)), mediaType: TOKEN_REQUEST_MEDIA_TYPE }),
    vend,
    configuration: async (): Promise<WorkerConfiguration> => {
      // A key that cannot be read now is no App now: Vend would say "not configured" too.
      const app = typeof options.app === "function" ? await options.app().catch(() => undefined) : options.app;
      return app ? { configured: true } : { configured: false, missing: `a GitHub App (${APP_SETTINGS})` };
    },
    // Always advertised, so the signed manifest is the same whether or not a vault is configured;
    // without one every credential is vended with `revocable: false` and leaks take the manual branch.
    revoke: options.revocation ? gitHubRevoke(options.revocation) : revocationNotConfigured,
    // Self-serve trust (protocol 1.2): the target's policy file, read through the App (contents: read).
    trustPolicy: async (request) => parsedTrustPolicy(await readTrustPolicy(await configuredApp(), request)),
  };
}

function revocationNotConfigured(): never {
  throw new PluginError("unavailable", "revocation is not configured on this worker (no token vault): revoke the token by hand");
}

/** The worker's app and Lambda handler; `callers`: who may call it (the core's roles on AWS, its secret on loopback). */
export function serveGitHubWorker(options: GitHubWorkerOptions, callers: CallerAuthentication = {}): ServedPlugin {
  return servePlugin(createGitHubWorker(options), callers);
}

// Without revocation, a token GitHub keeps alive for an hour must not go to a caller the policy
// granted less: refuse.
function requireFullHour(ttlSeconds: number): void {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < GITHUB_TOKEN_SECONDS) {
    throw new PluginError(
      "invalid_argument",
      `GitHub installation tokens live ${GITHUB_TOKEN_SECONDS}s and this worker cannot revoke them early (no token vault), but ${ttlSeconds}s was granted; request ttlSeconds ${GITHUB_TOKEN_SECONDS} (the policy's maxTtl must allow 1h)`,
    );
  }
}
