// Freshness of target trust policies across functions: the webhooks function records that a
// repository's `.github/credvend/` changed (a `push`), and every vend function environment checks
// that marker before it trusts a cached copy. Webhooks and vend are separate Lambdas with separate
// memory, so the marker lives in the ledger table (one consistent GetItem per delegated vend, a few
// ms), not in any process.

export interface TrustPolicyInvalidations {
  /** Records that the trust policies held by `repository` (a provider's target, e.g. acme/infra) changed at `at`. */
  invalidate(provider: string, repository: string, at: Date): Promise<void>;
  /** When they last changed, as recorded; undefined when never (or long ago). */
  lastChanged(provider: string, repository: string): Promise<Date | undefined>;
}

/** Repository names are compared as GitHub does: without regard to case. */
export function invalidationKey(provider: string, repository: string): string {
  return `${provider}:${repository.toLowerCase()}`;
}
