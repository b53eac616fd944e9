// The aws provider's scope rules. Each scope names one AWS resource and one access level; the
// worker turns a set of them into an IAM session policy (session-policy.ts).
//   aws:s3-read:<bucket>[/<prefix>[*]]     aws:s3-write:<bucket>[/<prefix>[*]]
//   aws:dynamodb-read:<table>              aws:dynamodb-write:<table>
//   aws:role:<name>                        a configured role, as is (no session policy)
import type { ScopeAnalysis, ScopeValidation } from "../../plugin-protocol/types.js";
import type { Scope } from "../../plugin-protocol/scope.js";

export const AWS_PROVIDER = "aws";
export const AWS_ACTIONS = ["s3-read", "s3-write", "dynamodb-read", "dynamodb-write", "role"] as const;
export type AwsAction = (typeof AWS_ACTIONS)[number];

const EVERYTHING = "*";
// S3 bucket naming rules (general purpose buckets): 3-63 chars, lower-case letters, digits, dots
// and dashes, starting and ending with a letter or digit.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}(\.\d{1,3}){3}$/;
// Object key prefixes: printable ASCII without the characters IAM policies treat specially.
const PREFIX = /^[\x21-\x7e]{1,512}$/;
const TABLE = /^[A-Za-z0-9_.-]{3,255}$/;
const ROLE_NAME = /^[A-Za-z0-9+=,.@_-]{1,64}$/;

export interface AwsScopeRules {
  /** Names of the roles `aws:role:<name>` may use (configuration). */
  readonly roleNames: readonly string[];
}

export function isAwsAction(action: string): action is AwsAction {
  return (AWS_ACTIONS as readonly string[]).includes(action);
}

export function validateAwsScope(scope: Scope, rules: AwsScopeRules): ScopeValidation {
  const error = scopeError(scope, rules);
  return error === undefined ? { scope, valid: true, normalized: scope } : { scope, valid: false, error };
}

function scopeError(scope: Scope, rules: AwsScopeRules): string | undefined {
  if (scope.provider !== AWS_PROVIDER) return `provider "${scope.provider}" is not served by aws-sts`;
  if (!isAwsAction(scope.action)) return `unknown action "${scope.action}": expected one of ${AWS_ACTIONS.join(", ")}`;
  const { action, resource } = scope;
  if (action === "role") {
    if (!ROLE_NAME.test(resource)) return `invalid role name "${resource}"`;
    return rules.roleNames.includes(resource) ? undefined : `role "${resource}" is not configured on this worker`;
  }
  const write = action.endsWith("-write");
  if (resource === EVERYTHING) {
    // Reading everything is allowed (AnalyzeScope flags it); writing everything never is.
    return write ? `"${action}:*" would grant write access to every ${action.startsWith("s3") ? "bucket" : "table"}; name one` : undefined;
  }
  return action.startsWith("s3-") ? s3ResourceError(resource) : tableError(resource);
}

function s3ResourceError(resource: string): string | undefined {
  const slash = resource.indexOf("/");
  const bucket = slash < 0 ? resource : resource.slice(0, slash);
  const bucketError = bucketNameError(bucket);
  if (bucketError) return bucketError;
  if (slash < 0) return undefined;
  const prefix = resource.slice(slash + 1);
  if (!PREFIX.test(prefix)) return `invalid object key prefix "${prefix}": 1-512 printable ASCII characters`;
  // One trailing `*` means "every key under this prefix"; anything else would be a surprise.
  if (/[*?]/.test(prefix.slice(0, -1)) || prefix.endsWith("?")) return `"*" is allowed only at the end of a key prefix`;
  if (/[${}]/.test(prefix)) return `key prefix must not contain "$", "{" or "}" (IAM policy variables)`;
  return undefined;
}

function bucketNameError(bucket: string): string | undefined {
  if (bucket.includes("*")) return `wildcards in bucket names are not allowed ("${bucket}"): name the bucket`;
  if (
    !BUCKET.test(bucket) ||
    bucket.includes("..") ||
    IP_ADDRESS.test(bucket) ||
    bucket.startsWith("xn--") ||
    bucket.endsWith("-s3alias")
  ) {
    return `invalid S3 bucket name "${bucket}": 3-63 lower-case letters, digits, dots or dashes, starting and ending with a letter or digit`;
  }
  return undefined;
}

function tableError(table: string): string | undefined {
  if (table.includes("*")) return `wildcards in table names are not allowed ("${table}"): name the table`;
  if (!TABLE.test(table)) return `invalid DynamoDB table name "${table}": 3-255 letters, digits, "_", "-" or "."`;
  return undefined;
}

export function analyzeAwsScope(scope: Scope): ScopeAnalysis {
  const warnings: string[] = [];
  let risk: ScopeAnalysis["risk"] = scope.action.endsWith("-write") ? "medium" : "low";
  if (scope.resource === EVERYTHING) {
    warnings.push(`"*" grants ${scope.action} on every resource the role can reach`);
    risk = "high";
  } else if (scope.action === "role") {
    warnings.push(`grants every permission of role "${scope.resource}", with no session policy to narrow it`);
    risk = "high";
  } else if (scope.action.startsWith("s3-") && !scope.resource.includes("/")) {
    warnings.push(`covers the whole bucket "${scope.resource}"; a key prefix (bucket/prefix*) is narrower`);
  }
  return { scope, risk, warnings };
}
