// Where a human revokes a vended session by hand: the role's "Revoke active sessions" tab in the
// IAM console, which denies every session of the role issued before the click. Returned in the
// vend result (manualRevocationUrl); the broker shows it in leak alerts and never parses our ref.
//
// Account and role name come from the assumed-role ARN STS answered with
// (arn:aws:sts::<account>:assumed-role/<role>/<session>, no role path in it), else from the role
// ARN we assumed (arn:aws:iam::<account>:role/<path/><role>, the role name its last segment).
// Any partition is read, and the link is always to the global console.
import type { AwsSessionRef } from "./session-ref.js";

const CONSOLE = "https://console.aws.amazon.com/iam/home";
/** The roles list: where a human starts when the ARNs say nothing usable. */
export const ROLES_PAGE = `${CONSOLE}#/roles`;

const NAME = "[\\w+=,.@-]{1,64}";
const ASSUMED_ROLE = new RegExp(`^arn:aws[a-z-]*:sts::(\\d{12}):assumed-role/(${NAME})/${NAME}$`);
const ROLE = new RegExp(`^arn:aws[a-z-]*:iam::(\\d{12}):role/(?:[\\x21-\\x7e]{1,512}/)?(${NAME})$`);

export function revokeSessionsUrl(ref: Pick<AwsSessionRef, "roleArn" | "assumedRoleArn">): string {
  const match = ASSUMED_ROLE.exec(ref.assumedRoleArn) ?? ROLE.exec(ref.roleArn);
  if (!match) return ROLES_PAGE;
  const [, account, role] = match;
  return `${CONSOLE}?account=${account}#/roles/details/${encodeURIComponent(role!)}?section=revoke_sessions`;
}
