// Where a human revokes a token by hand: the App installation's settings page on github.com.
// Suspending the installation there revokes all of its tokens. Returned in the vend result
// (manualRevocationUrl); the broker shows it in leak alerts and never parses our ref.
import type { InstallationAccount } from "./github-app.js";

const GITHUB = "https://github.com";

/** An organization's installation lives under the organization; a user's (or an unknown) under settings. */
export function installationSettingsUrl(installationId: number, account?: InstallationAccount): string {
  if (account?.type === "Organization") {
    return `${GITHUB}/organizations/${encodeURIComponent(account.login)}/settings/installations/${installationId}`;
  }
  return `${GITHUB}/settings/installations/${installationId}`;
}
