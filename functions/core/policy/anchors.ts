import type { Claims } from "../../../plugin-protocol/claims.js";
import { ANCHOR_CLAIMS } from "./github-claims.js";
import type { Policy } from "./policy.js";

/** The claims a rule can only name literally (load-policy.ts): its anchors, and the issuer. */
const PINNED_CLAIMS: readonly string[] = [...ANCHOR_CLAIMS, "iss"];

/**
 * Whether the token comes from a repository the policy could ever serve: all the anchors of some
 * rule or delegation (repository, owner, by name or id; and its issuer, when it names one) match it. Any other
 * repository on GitHub can mint a token with our audience too: such a token is refused before
 * anything else (see ../denials/foreign-denials.ts).
 */
export function matchesSomeAnchor(policy: Policy, claims: Claims): boolean {
  return [...policy.rules, ...policy.delegations].some((entry) =>
    PINNED_CLAIMS.every((claim) => {
      const pinned = entry.when.get(claim);
      if (pinned === undefined) return true;
      const value = claims[claim];
      return value !== undefined && pinned.matches(value);
    }),
  );
}
