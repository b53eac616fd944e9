// template-worker: the skeleton `credvend plugin init` copies. Scopes `tmpl:<read|write>:<name>`;
// vend hands out an opaque token. Replace the vend step with the call to your credential service.
import { randomBytes } from "node:crypto";
import type { ScopeValidation } from "../../plugin-protocol/types.js";
import type { Scope } from "../../plugin-protocol/scope.js";
import { PluginError } from "../sdk/plugin-error.js";
import type { PluginImplementation } from "../sdk/plugin-implementation.js";

export const WORKER_NAME = "template-worker";
export const WORKER_VERSION = "0.1.0";
export const PROVIDER = "tmpl";
const ACTIONS = new Set(["read", "write"]);
const RESOURCE = /^[a-z0-9][a-z0-9-]{0,62}$/;

function validateScope(scope: Scope): ScopeValidation {
  if (scope.provider !== PROVIDER) return { scope, valid: false, error: `provider must be ${PROVIDER}` };
  if (!ACTIONS.has(scope.action)) return { scope, valid: false, error: `unknown action "${scope.action}" (read, write)` };
  const resource = scope.resource.toLowerCase();
  if (!RESOURCE.test(resource)) return { scope, valid: false, error: "resource must be lower-case letters, digits and dashes" };
  return { scope, valid: true, normalized: { ...scope, resource } };
}

export function createWorker(): PluginImplementation {
  return {
    name: WORKER_NAME,
    version: WORKER_VERSION,
    providers: [PROVIDER],
    validate: (scopes) => scopes.map(validateScope),
    analyze: (request) =>
      request.scopes.map((scope) => ({
        scope,
        risk: scope.action === "write" ? ("medium" as const) : ("low" as const),
        warnings: scope.action === "write" ? ["write access"] : [],
      })),
    serialize: (request) => ({
      serialized: new TextEncoder().encode(JSON.stringify(request.scopes.map((s) => `${s.action}:${s.resource}`).sort())),
      mediaType: "application/json",
    }),
    vend: (request) => {
      if (request.ttlSeconds <= 0) throw new PluginError("invalid_argument", "ttlSeconds must be positive");
      return {
        credential: { token: `${PROVIDER}_${randomBytes(24).toString("base64url")}` },
        expiresAt: new Date(Date.now() + request.ttlSeconds * 1000),
        revocable: false,
        upstreamRef: request.credentialId,
        notes: [],
        // Not revocable here, so a leak alert asks a human to revoke it by hand: give them the page
        // where that is done (your service's admin console), or leave the field out if there is none.
        // manualRevocationUrl: `https://tokens.example.internal/admin/credentials/${request.credentialId}`,
      };
    },
  };
}
