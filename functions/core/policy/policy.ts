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
}

export interface PolicyRule {
  readonly name: string;
  /** Every listed claim must match its glob. */
  readonly when: ReadonlyMap<string, Glob>;
  /** Scope patterns, `provider:action:resource`, `*` allowed past the provider. */
  readonly allow: readonly AllowPattern[];
  readonly maxTtlSeconds: number;
}

export interface AllowPattern {
  readonly provider: string;
  readonly source: string;
  /** Matches the formatted scope (`provider:action:resource`). */
  readonly glob: Glob;
}

export const DEFAULT_MAX_TTL_SECONDS = 3600;
export const DEFAULT_TTL_SECONDS = 900;
export const MIN_TTL_SECONDS = 60;
export const MAX_TTL_SECONDS = 12 * 3600;
