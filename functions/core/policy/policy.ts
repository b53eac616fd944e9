import type { Glob } from "./glob.js";

/** A compiled policy: every pattern checked and compiled at load time. */
export interface Policy {
  readonly version: 1;
  /** The `aud` every token must carry. */
  readonly audience: string;
  /** Exact issuer URLs whose tokens are accepted. */
  readonly issuers: readonly string[];
  /** TTL when a request names none (clamped by the matching rules' maxTtl). */
  readonly defaultTtlSeconds: number;
  readonly rules: readonly PolicyRule[];
  /**
   * Self-serve trust: who may be granted scopes by a target's own policy file, and the most such a
   * file can ever grant (upTo, the ceiling). Empty: target policies grant nothing.
   */
  readonly delegations: readonly Delegation[];
}

/** A central ceiling for target policies: `when` the caller matches, scopes within `upTo`, for at most maxTtl. */
export interface Delegation {
  readonly name: string;
  /** Same claims, matchers and anchor rules as a rule's `when`. */
  readonly when: ReadonlyMap<string, Glob>;
  /** The most a target policy may grant through this delegation: scope patterns like a rule's `allow`. */
  readonly upTo: readonly AllowPattern[];
  readonly maxTtlSeconds: number;
}

export interface PolicyRule {
  readonly name: string;
  /** Every listed claim must match its glob. */
  readonly when: ReadonlyMap<string, Glob>;
  /** Scope patterns, `provider:action:resource`, `*` allowed past the provider. */
  readonly allow: readonly AllowPattern[];
  readonly maxTtlSeconds: number;
}

/**
 * An allow pattern split as the scope grammar splits a scope (at its first two colons), each
 * part matched on its own: a `*` in the action never reaches into the resource.
 */
export interface AllowPattern {
  readonly source: string;
  /** Literal: a pattern never spans providers. */
  readonly provider: string;
  /** Matches the action alone; its `*` never matches ':'. */
  readonly action: Glob;
  /** Matches the resource alone, which may contain ':' (ARNs, S3 keys). */
  readonly resource: Glob;
}

export const DEFAULT_MAX_TTL_SECONDS = 3600;
export const DEFAULT_TTL_SECONDS = 900;
export const MIN_TTL_SECONDS = 60;
export const MAX_TTL_SECONDS = 12 * 3600;
