// Where a human revokes a credential by hand, per provider. Derived from the record's non-secret
// `upstreamRef` (what the worker returned at vend time), so no provider has to store more.
//   aws:    arn:aws:sts::<account>:assumed-role/<role>/<session> → the role's page in the IAM
//           console, tab "Revoke sessions" (revokes every session issued before now)
//   github: the github worker's JSON ref {"installationId":…} (or installation:<id>) → the GitHub
//           App installation's settings page (suspending it revokes all of its tokens)
import type { ManualRevocationGuide } from "../core/leak/manual-revocation.js";
import type { CredentialRecord } from "../core/records.js";

const ASSUMED_ROLE = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/([\w+=,.@-]+)$/;
const INSTALLATION = /^(?:installation[:/])?(\d{1,20})$/;

export const providerManualRevocation: ManualRevocationGuide = {
  urlFor(record: CredentialRecord): string | undefined {
    if (record.provider === "aws") {
      const match = ASSUMED_ROLE.exec(record.upstreamRef);
      if (!match) return "https://console.aws.amazon.com/iam/home#/roles";
      const [, account, role] = match;
      return `https://console.aws.amazon.com/iam/home?account=${account}#/roles/details/${encodeURIComponent(role!)}?section=revoke_sessions`;
    }
    if (record.provider === "github") {
      const id = INSTALLATION.exec(record.upstreamRef)?.[1] ?? installationOf(record.upstreamRef);
      return id ? `https://github.com/settings/installations/${id}` : "https://github.com/settings/installations";
    }
    return undefined;
  },
};

/** `installationId` of the github worker's JSON upstreamRef. */
function installationOf(upstreamRef: string): string | undefined {
  try {
    const id = (JSON.parse(upstreamRef) as { installationId?: unknown }).installationId;
    return typeof id === "number" && Number.isSafeInteger(id) ? String(id) : undefined;
  } catch {
    return undefined;
  }
}
