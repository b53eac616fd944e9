import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from "jose";
import type { Claims } from "../../../plugin-protocol/claims.js";
import { systemClock, type Clock } from "../../core/ports/clock.js";
import type { IdentityVerifier } from "../../core/ports/identity-verifier.js";
import { CredvendError } from "../../core/errors.js";
import { httpsUrlProblem } from "../../core/https-url.js";
import { JwksCache } from "./jwks-cache.js";

// Verifies GitHub Actions OIDC tokens (or any RS256 OIDC issuer on the allowlist). Cheap checks
// come first and need no network: size, header shape, algorithm, `kid`, issuer allowlist. Only a
// token that passes them can make us fetch keys, and only from an allowlisted issuer.

/** Larger than any real GitHub token (about 1-2 KiB), small enough to refuse before parsing. */
export const MAX_TOKEN_BYTES = 16 * 1024;

export interface OidcVerifierOptions {
  /** Accepted `iss` values, compared exactly; https (http only for loopback). */
  readonly issuers: readonly string[];
  /** Required `aud`. */
  readonly audience: string;
  readonly clockToleranceSeconds?: number;
  readonly fetch?: typeof fetch;
  readonly jwksCacheSeconds?: number;
  readonly maxJwksBytes?: number;
  readonly jwksTimeoutMs?: number;
  /** Skips discovery: the key set URL for an issuer. */
  readonly jwksUrlFor?: (issuer: string) => string;
  /** Least time between two key fetches per issuer caused by unknown `kid`s. */
  readonly jwksRefetchCooldownSeconds?: number;
  readonly clock?: Clock;
}

const ALGORITHM = "RS256";

export class OidcVerifier implements IdentityVerifier {
  private readonly issuers: ReadonlySet<string>;
  private readonly audience: string;
  private readonly toleranceSeconds: number;
  private readonly clock: Clock;
  private readonly keys: JwksCache;

  constructor(options: OidcVerifierOptions) {
    if (options.issuers.length === 0) throw new TypeError("OidcVerifier needs at least one issuer");
    for (const issuer of options.issuers) {
      const problem = httpsUrlProblem(issuer);
      if (problem) throw new TypeError(`OidcVerifier issuer ${issuer}: ${problem}`);
    }
    if (options.audience === "") throw new TypeError("OidcVerifier needs an audience");
    this.issuers = new Set(options.issuers);
    this.audience = options.audience;
    this.toleranceSeconds = nonNegative("clockToleranceSeconds", options.clockToleranceSeconds ?? 60);
    this.clock = options.clock ?? systemClock;
    this.keys = new JwksCache({
      fetch: options.fetch ?? globalThis.fetch,
      clock: this.clock,
      cacheSeconds: nonNegative("jwksCacheSeconds", options.jwksCacheSeconds ?? 600),
      minRefetchSeconds: nonNegative("jwksRefetchCooldownSeconds", options.jwksRefetchCooldownSeconds ?? 30),
      maxBytes: positive("maxJwksBytes", options.maxJwksBytes ?? 64 * 1024),
      timeoutMs: positive("jwksTimeoutMs", options.jwksTimeoutMs ?? 3000),
      ...(options.jwksUrlFor ? { jwksUrlFor: options.jwksUrlFor } : {}),
    });
  }

  async verify(token: string): Promise<Claims> {
    const { issuer, kid } = this.preflight(token);
    const key = await this.keys.keyFor(issuer, kid);
    if (!key) throw invalidToken(new Error(`issuer publishes no RS256 key with the token's kid`));
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: [ALGORITHM],
        issuer,
        audience: this.audience,
        requiredClaims: ["exp"],
        clockTolerance: this.toleranceSeconds,
        currentDate: this.clock.now(),
      }));
    } catch (error) {
      throw invalidToken(error);
    }
    // jose checks `iat` only when a maximum token age is set; a token from the future is refused.
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    if (payload.iat !== undefined && payload.iat > nowSeconds + this.toleranceSeconds) {
      throw invalidToken(new Error(`"iat" is in the future`));
    }
    return toClaims(payload);
  }

  // Everything we can refuse without a key. The payload is read unverified here only to choose
  // which issuer's keys to use; jwtVerify checks it again against the signature.
  private preflight(token: string): { issuer: string; kid: string } {
    if (typeof token !== "string" || token === "") throw invalidToken(new Error("no token"));
    if (token.length > MAX_TOKEN_BYTES) throw invalidToken(new Error(`token over ${MAX_TOKEN_BYTES} bytes`));
    let alg: unknown;
    let kid: unknown;
    let issuer: unknown;
    try {
      ({ alg, kid } = decodeProtectedHeader(token));
      ({ iss: issuer } = decodeJwt(token));
    } catch (error) {
      throw invalidToken(error);
    }
    if (alg !== ALGORITHM) throw invalidToken(new Error(`algorithm ${String(alg)} is not allowed`));
    if (typeof kid !== "string" || kid === "") throw invalidToken(new Error("token header has no kid"));
    if (typeof issuer !== "string" || !this.issuers.has(issuer)) {
      throw invalidToken(new Error("token issuer is not on the allowlist"));
    }
    return { issuer, kid };
  }
}

// One message for every token problem: the reason goes to `cause` for logs, never to the caller.
function invalidToken(cause: unknown): CredvendError {
  return new CredvendError("unauthenticated", "invalid_token", "invalid or expired token", { cause });
}

/**
 * Flattens verified claims to strings for policy matching. Arrays and objects are dropped (no
 * GitHub claim a policy would match on is one), except `aud`, which is joined with commas.
 */
export function toClaims(payload: JWTPayload): Claims {
  const entries: [string, string][] = [];
  for (const [name, value] of Object.entries(payload)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      entries.push([name, String(value)]);
    } else if (name === "aud" && Array.isArray(value)) {
      entries.push([name, value.filter((item) => typeof item === "string").join(",")]);
    }
  }
  return Object.freeze(Object.fromEntries(entries));
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`OidcVerifier ${name} must be >= 0`);
  return value;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`OidcVerifier ${name} must be > 0`);
  return value;
}
