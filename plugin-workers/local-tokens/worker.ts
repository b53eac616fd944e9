// local-tokens: opaque `cvd_` tokens for internal services, checked through /introspect and
// revocable. Also the template for a worker that owns its credential store.
import type { Hono } from "hono";
import type { Clock } from "../sdk/clock.js";
import { systemClock } from "../sdk/clock.js";
import type { RevokeRequest, RevokeResult, VendRequest, VendResult } from "../../plugin-protocol/types.js";
import { formatScope } from "../../plugin-protocol/scope.js";
import { tokenHash } from "../../plugin-protocol/token-hash.js";
import { PluginError } from "../sdk/plugin-error.js";
import { servePlugin, type ServedPlugin } from "../sdk/serve-plugin.js";
import type { CallerAuthentication } from "../sdk/caller-check.js";
import type { PluginImplementation } from "../sdk/plugin-implementation.js";
import { introspectionRoutes } from "./introspect.js";
import {
  LOCAL_PROVIDER,
  analyzeLocalScope,
  parsePermissionSet,
  samePermissionSet,
  serializePermissionSet,
  toPermissionSet,
  validateLocalScope,
} from "./scopes.js";
import { DuplicateCredentialError, type LocalTokenStore } from "./store.js";
import { mintLocalToken } from "./token.js";

export const LOCAL_TOKENS_NAME = "local-tokens";
export const LOCAL_TOKENS_VERSION = "0.1.0";
export const DEFAULT_MAX_TTL_SECONDS = 12 * 60 * 60;
const CREDENTIAL_ID = /^[\x21-\x7e]{1,128}$/;

export interface LocalTokensWorkerOptions {
  readonly store: LocalTokenStore;
  readonly clock?: Clock;
  /** Longer requests are clamped, with a note. Default 12 h. */
  readonly maxTtlSeconds?: number;
}

export interface LocalTokensWorker extends PluginImplementation {
  /** Adds POST /introspect; pass to servePlugin's `routes`. */
  readonly routes: (app: Hono) => void;
}

export function createLocalTokensWorker(options: LocalTokensWorkerOptions): LocalTokensWorker {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const maxTtlSeconds = options.maxTtlSeconds ?? DEFAULT_MAX_TTL_SECONDS;

  async function vend(request: VendRequest): Promise<VendResult> {
    if (!CREDENTIAL_ID.test(request.credentialId)) throw new PluginError("invalid_argument", "invalid credential id");
    if (!Number.isInteger(request.ttlSeconds) || request.ttlSeconds <= 0) {
      throw new PluginError("invalid_argument", "ttlSeconds must be a positive whole number");
    }
    // The bytes come back from our own serialize step; check they still say what the scopes say.
    const permissions = parsePermissionSet(request.serialized);
    if (!permissions || !samePermissionSet(permissions, toPermissionSet(request.scopes))) {
      throw new PluginError("invalid_argument", "serialized permission set does not match the requested scopes");
    }
    const notes: string[] = [];
    let ttlSeconds = request.ttlSeconds;
    if (ttlSeconds > maxTtlSeconds) {
      notes.push(`ttl clamped from ${ttlSeconds}s to the local-tokens maximum of ${maxTtlSeconds}s`);
      ttlSeconds = maxTtlSeconds;
    }
    const token = mintLocalToken();
    const issuedAt = clock.now();
    const expiresAt = new Date(issuedAt.getTime() + ttlSeconds * 1000);
    try {
      await store.insert({
        tokenHash: tokenHash(token),
        credentialId: request.credentialId,
        scopes: request.scopes.map(formatScope),
        repository: request.subject.repository ?? "",
        issuedAt,
        expiresAt,
      });
    } catch (error) {
      if (error instanceof DuplicateCredentialError) {
        throw new PluginError("invalid_argument", "credential id already used", { cause: error });
      }
      throw new PluginError("unavailable", "token store unavailable", { cause: error });
    }
    // No manualRevocationUrl: this worker revokes every token itself, so a leak never needs a human
    // to find a console page (if Revoke fails, the store is this worker's own table).
    return { credential: { token }, expiresAt, revocable: true, upstreamRef: request.credentialId, notes };
  }

  async function revoke(request: RevokeRequest): Promise<RevokeResult> {
    try {
      const record = await store.findByCredentialId(request.credentialId);
      if (!record) return { outcome: "already_gone", detail: "unknown credential" };
      if (record.revokedAt) return { outcome: "already_gone", detail: "revoked before" };
      if (record.expiresAt.getTime() <= clock.now().getTime()) return { outcome: "already_gone", detail: "expired" };
      const revoked = await store.markRevoked(request.credentialId, clock.now());
      return revoked ? { outcome: "revoked", detail: "token revoked" } : { outcome: "already_gone", detail: "revoked before" };
    } catch (error) {
      throw new PluginError("unavailable", "token store unavailable", { cause: error });
    }
  }

  return {
    name: LOCAL_TOKENS_NAME,
    version: LOCAL_TOKENS_VERSION,
    providers: [LOCAL_PROVIDER],
    validate: (scopes) => scopes.map(validateLocalScope),
    analyze: (request) => request.scopes.map(analyzeLocalScope),
    serialize: (request) => serializePermissionSet(toPermissionSet(request.scopes)),
    vend,
    // Its only need is its token table, which it is given at start.
    configuration: () => ({ configured: true }),
    revoke,
    routes: introspectionRoutes(store, clock),
  };
}

export interface LocalTokensServing extends CallerAuthentication {
  /** Serve POST /introspect beside the gRPC service (a loopback port); on AWS it has a function of its own. */
  readonly introspection?: boolean;
}

/** The worker's app and Lambda handler: the gRPC service for the core, and introspection if asked. */
export function serveLocalTokens(options: LocalTokensWorkerOptions, serving: LocalTokensServing = {}): ServedPlugin {
  const worker = createLocalTokensWorker(options);
  const { introspection, ...callers } = serving;
  return servePlugin(worker, { ...callers, ...(introspection ? { routes: worker.routes } : {}) });
}
