// Serialize: a set of aws scopes → the role to assume and a minimal IAM session policy. The
// session policy can only narrow what the role allows (AWS intersects the two), so the role's own
// policy stays the outer bound and this file decides how small each credential is.
import { formatScope, type Scope } from "../../plugin-protocol/scope.js";
import { PluginError } from "../sdk/plugin-error.js";

/** STS refuses inline session policies longer than this (plaintext characters). */
export const MAX_SESSION_POLICY_CHARS = 2048;
export const ASSUMPTION_MEDIA_TYPE = "application/vnd.credvend.aws-sts.assumption+json";

/** Where the resources live: from the default role's ARN and the worker's region. */
export interface ArnContext {
  readonly partition: string;
  /** "*" when unknown. */
  readonly region: string;
  /** "*" when unknown. */
  readonly accountId: string;
}

/** What Vend does: assume `role` (a configured name, or "default") with `policy` (or none). */
export interface Assumption {
  readonly version: 1;
  readonly role: string;
  /** Minified JSON of the session policy; null for `aws:role:<name>` (the role as is). */
  readonly policy: string | null;
}

export const DEFAULT_ROLE = "default";

interface Statement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[]>>;
}

const S3_READ_OBJECT = ["s3:GetObject", "s3:GetObjectVersion"];
const S3_LIST = ["s3:ListBucket", "s3:GetBucketLocation"];
const S3_WRITE_OBJECT = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"];
const DYNAMODB_READ = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "dynamodb:DescribeTable",
  "dynamodb:ConditionCheckItem",
];
const DYNAMODB_WRITE = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:DescribeTable",
  "dynamodb:ConditionCheckItem",
];

/** Valid, normalized scopes in; the assumption Vend will make out. Throws PluginError when impossible. */
export function toAssumption(scopes: readonly Scope[], arns: ArnContext): Assumption {
  const roles = scopes.filter((s) => s.action === "role");
  if (roles.length > 0) {
    if (scopes.length > 1) {
      throw new PluginError(
        "invalid_argument",
        `aws:role:${roles[0]!.resource} must be requested alone: a role is granted as is, with no session policy`,
      );
    }
    return { version: 1, role: roles[0]!.resource, policy: null };
  }
  const policy = JSON.stringify({ Version: "2012-10-17", Statement: statements(canonical(scopes), arns) });
  if (policy.length > MAX_SESSION_POLICY_CHARS) {
    throw new PluginError(
      "invalid_argument",
      `the session policy for these ${scopes.length} scopes is ${policy.length} characters, over STS's limit of ${MAX_SESSION_POLICY_CHARS}; request fewer scopes or use a key prefix`,
    );
  }
  return { version: 1, role: DEFAULT_ROLE, policy };
}

export function encodeAssumption(assumption: Assumption): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(assumption));
}

/** True when the bytes are exactly what `toAssumption` makes for these scopes. */
export function matchesAssumption(bytes: Uint8Array, expected: Assumption): boolean {
  const text = new TextDecoder().decode(bytes);
  return text === JSON.stringify(expected);
}

// Sorted and without duplicates, so equal scope sets give byte-equal policies.
function canonical(scopes: readonly Scope[]): Scope[] {
  const unique = new Map(scopes.map((s) => [formatScope(s), s]));
  return [...unique.keys()].sort().map((key) => unique.get(key)!);
}

function statements(scopes: readonly Scope[], arns: ArnContext): Statement[] {
  const out: Statement[] = [];
  const of = (action: string) => scopes.filter((s) => s.action === action).map((s) => s.resource);
  const s3Read = of("s3-read");
  const s3Write = of("s3-write");
  if (s3Read.length > 0) {
    out.push(
      statement(
        "S3Read",
        S3_READ_OBJECT,
        s3Read.map((r) => objectArn(r, arns)),
      ),
    );
    out.push(...listStatements(s3Read, arns));
  }
  if (s3Write.length > 0)
    out.push(
      statement(
        "S3Write",
        S3_WRITE_OBJECT,
        s3Write.map((r) => objectArn(r, arns)),
      ),
    );
  const tablesRead = of("dynamodb-read");
  const tablesWrite = of("dynamodb-write");
  if (tablesRead.length > 0)
    out.push(
      statement(
        "DynamoDbRead",
        DYNAMODB_READ,
        tablesRead.flatMap((t) => tableArns(t, arns)),
      ),
    );
  if (tablesWrite.length > 0)
    out.push(
      statement(
        "DynamoDbWrite",
        DYNAMODB_WRITE,
        tablesWrite.flatMap((t) => tableArns(t, arns)),
      ),
    );
  return out;
}

function statement(sid: string, actions: string[], resources: string[]): Statement {
  return { Sid: sid, Effect: "Allow", Action: actions, Resource: [...new Set(resources)] };
}

/** `bucket` → every key; `bucket/prefix*` → keys under prefix; `bucket/key` → one key. */
function objectArn(resource: string, arns: ArnContext): string {
  const slash = resource.indexOf("/");
  const path = resource === "*" ? "*/*" : slash < 0 ? `${resource}/*` : resource;
  return `arn:${arns.partition}:s3:::${path}`;
}

// ListBucket is a bucket-level action: a prefix scope may list only under its prefix.
function listStatements(resources: readonly string[], arns: ArnContext): Statement[] {
  const whole: string[] = [];
  const prefixes = new Map<string, string[]>();
  for (const resource of resources) {
    const slash = resource.indexOf("/");
    if (slash < 0) whole.push(resource === "*" ? "*" : resource);
    else prefixes.set(resource.slice(0, slash), [...(prefixes.get(resource.slice(0, slash)) ?? []), resource.slice(slash + 1)]);
  }
  const out: Statement[] = [];
  if (whole.length > 0)
    out.push(
      statement(
        "S3List",
        S3_LIST,
        whole.map((b) => `arn:${arns.partition}:s3:::${b}`),
      ),
    );
  let n = 0;
  for (const [bucket, keys] of prefixes) {
    if (whole.includes(bucket) || whole.includes("*")) continue;
    out.push({
      ...statement(`S3ListPrefix${n++}`, ["s3:ListBucket"], [`arn:${arns.partition}:s3:::${bucket}`]),
      Condition: { StringLike: { "s3:prefix": keys } },
    });
  }
  return out;
}

function tableArns(table: string, arns: ArnContext): string[] {
  const base = `arn:${arns.partition}:dynamodb:${arns.region}:${arns.accountId}:table/${table}`;
  return [base, `${base}/index/*`];
}
