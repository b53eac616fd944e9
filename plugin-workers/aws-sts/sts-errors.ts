// STS failures → the PluginError the caller sees. Throttling and outages are "unavailable"
// (503, try again later); a refusal by IAM is "permission_denied" (502: the broker's role setup is
// wrong, not the caller's request). Messages name the STS error code, never a key or token.
import { PluginError } from "../sdk/plugin-error.js";

const THROTTLED = new Set(["Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"]);
const DENIED = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "RegionDisabledException",
  "ExpiredTokenException",
  "InvalidClientTokenId",
]);
const REFUSED_INPUT = new Set([
  "PackedPolicyTooLarge",
  "PackedPolicyTooLargeException",
  "MalformedPolicyDocument",
  "MalformedPolicyDocumentException",
]);

export function stsFailure(error: unknown): PluginError {
  const name = error instanceof Error ? error.name : "";
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (THROTTLED.has(name)) return new PluginError("unavailable", "AWS STS is throttling AssumeRole; retry shortly", { cause: error });
  if (DENIED.has(name)) {
    return new PluginError(
      "permission_denied",
      `AWS STS refused AssumeRole (${name}): check the role's trust policy (sts:AssumeRole, sts:TagSession, sts:SetSourceIdentity)`,
      { cause: error },
    );
  }
  if (REFUSED_INPUT.has(name)) {
    return new PluginError("invalid_argument", `AWS STS refused the session policy or tags (${name}): request fewer scopes`, {
      cause: error,
    });
  }
  if (name === "CredentialsProviderError") {
    return new PluginError("unavailable", "aws-sts has no AWS credentials of its own to call STS with", { cause: error });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new PluginError("permission_denied", `AWS STS refused AssumeRole (${name || status})`, { cause: error });
  }
  // 5xx, time-outs and network errors: nothing was issued, so a retry is safe.
  return new PluginError("unavailable", "AWS STS is unavailable; retry shortly", { cause: error });
}
