// The local provider's scope rules: `local:<read|write|admin>:<service>` where service is a
// DNS-label-like name or `*` (every service). Serialized as a small JSON permission set.
import type { ScopeAnalysis, ScopeValidation, SerializedScopes } from "../../plugin-protocol/types.js";
import { formatScope, type Scope } from "../../plugin-protocol/scope.js";

export const LOCAL_PROVIDER = "local";
export const LOCAL_ACTIONS = ["read", "write", "admin"] as const;
export type LocalAction = (typeof LOCAL_ACTIONS)[number];
export const PERMISSIONS_MEDIA_TYPE = "application/vnd.credvend.local-tokens.permissions+json";

const SERVICE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const ALL_SERVICES = "*";

export interface LocalGrant {
  readonly service: string;
  readonly access: LocalAction;
}

export interface LocalPermissionSet {
  readonly version: 1;
  /** Sorted by service then access, without duplicates: equal scope sets serialize equally. */
  readonly grants: readonly LocalGrant[];
}

export function validateLocalScope(scope: Scope): ScopeValidation {
  const error = scopeError(scope);
  return error === undefined ? { scope, valid: true, normalized: scope } : { scope, valid: false, error };
}

function scopeError(scope: Scope): string | undefined {
  if (scope.provider !== LOCAL_PROVIDER) return `provider "${scope.provider}" is not served by local-tokens`;
  if (!isLocalAction(scope.action)) {
    return `unknown action "${scope.action}": expected one of ${LOCAL_ACTIONS.join(", ")}`;
  }
  if (scope.resource === ALL_SERVICES || SERVICE.test(scope.resource)) return undefined;
  if (SERVICE.test(scope.resource.toLowerCase())) return `service name "${scope.resource}" must be lower-case`;
  return (
    `invalid service name "${scope.resource}": 1-63 lower-case letters, digits or dashes, ` +
    `not starting or ending with a dash, or "*" for every service`
  );
}

function isLocalAction(action: string): action is LocalAction {
  return (LOCAL_ACTIONS as readonly string[]).includes(action);
}

export function analyzeLocalScope(scope: Scope): ScopeAnalysis {
  const everyService = scope.resource === ALL_SERVICES;
  const warnings: string[] = [];
  if (everyService) warnings.push(`"*" grants ${scope.action} access to every internal service`);
  if (scope.action === "admin") warnings.push(`admin grants full control of ${everyService ? "every service" : scope.resource}`);
  const risk = everyService ? "high" : scope.action === "admin" ? "medium" : "low";
  return { scope, risk, warnings };
}

export function toPermissionSet(scopes: readonly Scope[]): LocalPermissionSet {
  const unique = new Map<string, LocalGrant>();
  for (const scope of scopes) {
    if (!validateLocalScope(scope).valid || !isLocalAction(scope.action)) {
      throw new Error(`not a valid local scope: ${formatScope(scope)}`);
    }
    unique.set(`${scope.resource}\n${scope.action}`, { service: scope.resource, access: scope.action });
  }
  const grants = [...unique.values()].sort(
    (a, b) => compare(a.service, b.service) || LOCAL_ACTIONS.indexOf(a.access) - LOCAL_ACTIONS.indexOf(b.access),
  );
  return { version: 1, grants };
}

export function serializePermissionSet(set: LocalPermissionSet): SerializedScopes {
  return { serialized: new TextEncoder().encode(JSON.stringify(set)), mediaType: PERMISSIONS_MEDIA_TYPE };
}

/** `undefined` when the bytes are not a permission set this worker wrote. */
export function parsePermissionSet(bytes: Uint8Array): LocalPermissionSet | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { version, grants } = value as { version?: unknown; grants?: unknown };
  if (version !== 1 || !Array.isArray(grants)) return undefined;
  const scopes: Scope[] = [];
  for (const grant of grants as unknown[]) {
    if (typeof grant !== "object" || grant === null) return undefined;
    const { service, access } = grant as { service?: unknown; access?: unknown };
    if (typeof service !== "string" || typeof access !== "string") return undefined;
    const scope = { provider: LOCAL_PROVIDER, action: access, resource: service };
    if (!validateLocalScope(scope).valid) return undefined;
    scopes.push(scope);
  }
  return toPermissionSet(scopes);
}

export function samePermissionSet(a: LocalPermissionSet, b: LocalPermissionSet): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
