// A small plugin for the SDK and client tests: provider "demo", action "read", any lower-case
// resource (upper case is normalized, "*" is high risk). Records what it was called with.
import type { ScopeSetRequest, VendRequest } from "../../plugin-protocol/types.js";
import type { Scope } from "../../plugin-protocol/scope.js";
import type { PluginImplementation } from "../../plugin-workers/sdk/index.js";

export interface DemoCalls {
  validate: (readonly Scope[])[];
  analyze: ScopeSetRequest[];
  serialize: ScopeSetRequest[];
  vend: VendRequest[];
  revoke: number;
}

export function demoPlugin(overrides: Partial<PluginImplementation> = {}): PluginImplementation & { calls: DemoCalls } {
  const calls: DemoCalls = { validate: [], analyze: [], serialize: [], vend: [], revoke: 0 };
  return {
    name: "demo",
    version: "1.2.3",
    providers: ["demo"],
    calls,
    validate(scopes) {
      calls.validate.push(scopes);
      return scopes.map((scope) =>
        scope.action === "read"
          ? { scope, valid: true, normalized: { ...scope, resource: scope.resource.toLowerCase() } }
          : { scope, valid: false, error: `unknown action "${scope.action}"` },
      );
    },
    analyze(request) {
      calls.analyze.push(request);
      return request.scopes.map((scope) =>
        scope.resource === "*"
          ? { scope, risk: "high" as const, warnings: ["every resource"] }
          : { scope, risk: "low" as const, warnings: [] },
      );
    },
    serialize(request) {
      calls.serialize.push(request);
      return {
        serialized: new TextEncoder().encode(JSON.stringify(request.scopes.map((s) => s.resource))),
        mediaType: "application/json",
      };
    },
    vend(request) {
      calls.vend.push(request);
      return {
        credential: { token: `demo-${request.credentialId}` },
        expiresAt: new Date(Date.UTC(2030, 0, 1, 0, 0, 0, 123)),
        revocable: true,
        upstreamRef: `ref-${request.credentialId}`,
        notes: ["demo note"],
      };
    },
    revoke(request) {
      calls.revoke++;
      return { outcome: request.credentialId === "gone" ? "already_gone" : "revoked", detail: "done" };
    },
    ...overrides,
  };
}

export const demoScopes: Scope[] = [
  { provider: "demo", action: "read", resource: "Alpha" },
  { provider: "demo", action: "read", resource: "*" },
];

export const demoClaims = {
  iss: "https://token.actions.githubusercontent.com",
  sub: "repo:acme/web:ref:refs/heads/main",
  repository: "acme/web",
  ref: "refs/heads/main",
  run_id: "42",
  custom_claim: "yes",
};

/** Never settles: a worker that hangs. */
export function hang<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}
