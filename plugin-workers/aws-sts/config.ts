// The aws-sts worker's configuration, read from the environment. Everything is optional so the
// worker starts unconfigured (the local stack): it still describes and validates, and Vend
// answers "not configured".
import type { ArnContext } from "./session-policy.js";

export interface AwsStsConfig {
  /** The role assumed for scoped requests, with a session policy. */
  readonly defaultRoleArn?: string;
  /** Roles granted as is by `aws:role:<name>`. */
  readonly roles: Readonly<Record<string, string>>;
  /** Longest session; 3600 because a Lambda's AssumeRole is role chaining. */
  readonly maxSessionSeconds: number;
  /** For DynamoDB ARNs in session policies; "*" when unknown. */
  readonly region: string;
}

/** STS: DurationSeconds from 900 s; role chaining caps a session at one hour. */
export const MIN_SESSION_SECONDS = 900;
export const CHAINED_MAX_SESSION_SECONDS = 3600;
/** Per-attempt limits of the STS client (milliseconds); without `throwOnRequestTimeout` the SDK only warns. */
export const STS_REQUEST_TIMEOUTS = { connectionTimeout: 1000, requestTimeout: 1500, throwOnRequestTimeout: true } as const;
const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\x21-\x7e]{1,512}\/)?[A-Za-z0-9+=,.@_-]{1,64}$/;

export class AwsStsConfigError extends Error {
  override readonly name = "AwsStsConfigError";
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadAwsStsConfig(env: Env = process.env): AwsStsConfig {
  const defaultRoleArn = env.CREDVEND_AWS_ROLE_ARN?.trim() || undefined;
  if (defaultRoleArn !== undefined) checkRoleArn("CREDVEND_AWS_ROLE_ARN", defaultRoleArn);
  const roles = parseRoles(env.CREDVEND_AWS_ROLES);
  const max = Number(env.CREDVEND_AWS_MAX_SESSION_SECONDS ?? CHAINED_MAX_SESSION_SECONDS);
  if (!Number.isInteger(max) || max < MIN_SESSION_SECONDS || max > 43_200) {
    throw new AwsStsConfigError("CREDVEND_AWS_MAX_SESSION_SECONDS: a whole number of seconds from 900 to 43200");
  }
  return { ...(defaultRoleArn ? { defaultRoleArn } : {}), roles, maxSessionSeconds: max, region: env.AWS_REGION?.trim() || "*" };
}

function parseRoles(text: string | undefined): Record<string, string> {
  if (text === undefined || text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AwsStsConfigError('CREDVEND_AWS_ROLES: not valid JSON (expected {"name":"arn:aws:iam::…:role/…"})');
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AwsStsConfigError('CREDVEND_AWS_ROLES: must be a JSON object {"name":"role ARN"}');
  }
  const roles: Record<string, string> = {};
  for (const [name, arn] of Object.entries(value)) {
    if (typeof arn !== "string") throw new AwsStsConfigError(`CREDVEND_AWS_ROLES.${name}: must be a role ARN`);
    checkRoleArn(`CREDVEND_AWS_ROLES.${name}`, arn);
    roles[name] = arn;
  }
  return roles;
}

function checkRoleArn(name: string, arn: string): void {
  if (!ROLE_ARN.test(arn)) throw new AwsStsConfigError(`${name}: "${arn}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
}

/** Partition and account from the default role's ARN; "*" where it cannot say. */
export function arnContext(config: AwsStsConfig): ArnContext {
  const match = config.defaultRoleArn ? ROLE_ARN.exec(config.defaultRoleArn) : null;
  return { partition: match?.[1] ?? "aws", accountId: match?.[2] ?? "*", region: config.region };
}
