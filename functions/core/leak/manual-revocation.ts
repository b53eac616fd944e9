import type { CredentialRecord } from "../records.js";

/**
 * Where a human revokes a credential by hand, per provider (the AWS console page of the role with
 * the session's details, the GitHub installation's settings page, ...). The adapters know the
 * providers' URLs; `undefined` when a provider has no such page.
 */
export interface ManualRevocationGuide {
  urlFor(record: CredentialRecord): string | undefined;
}

export const noManualRevocationGuide: ManualRevocationGuide = { urlFor: () => undefined };
