import type { Claims } from "../../../plugin-protocol/claims.js";

/**
 * Verifies a caller's bearer token (a GitHub Actions OIDC JWT) and returns its claims.
 * Raises CredvendError kind `unauthenticated` (code `invalid_token`) for any token problem, with
 * a message that does not help an attacker, and kind `unavailable` (code `jwks_unavailable`)
 * when the issuer's keys cannot be fetched.
 */
export interface IdentityVerifier {
  verify(token: string): Promise<Claims>;
}
