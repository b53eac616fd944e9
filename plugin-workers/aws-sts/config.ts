// The aws-sts worker's configuration, read from the environment by the SDK's reader. Everything is
// optional so the worker starts unconfigured (the local stack): it still describes and validates,
// and Vend answers "not configured".
import * as z from "zod/mini";
import { allowedCallersVariable } from "../sdk/allowed-callers.js";
import { ConfigError, parsedBy, readEnv, wholeNumber, type Env } from "../sdk/env.js";
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

/** On AWS (and under `npm start`): the worker's configuration, and whether it may revoke single sessions early. */
export interface AwsStsLambdaConfig {
  readonly worker: AwsStsConfig;
  /**
   * CREDVEND_AWS_REVOKE_SESSIONS=1 with CREDVEND_AWS_LOCK_TABLE, the worker's table of role locks and
   * recorded sessions (revoke.ts): needs iam:GetRolePolicy/PutRolePolicy on the default role.
   */
  readonly revocation?: { readonly lockTable: string };
  /** CREDVEND_ALLOWED_CALLERS: the roles whose sessions may call the gRPC service (the core's). */
  readonly allowedCallers: readonly string[];
}

/** STS: DurationSeconds from 900 s; role chaining caps a session at one hour. */
export const MIN_SESSION_SECONDS = 900;
export const CHAINED_MAX_SESSION_SECONDS = 3600;
/** Per-attempt limits of the STS client (milliseconds); without `throwOnRequestTimeout` the SDK only warns. */
export const STS_REQUEST_TIMEOUTS = { connectionTimeout: 1000, requestTimeout: 1500, throwOnRequestTimeout: true } as const;
/** IAM's and the lock table's, for revocation: one call's worst case stays far inside a lock's lease (revoke.ts). */
export const IAM_REQUEST_TIMEOUTS = { connectionTimeout: 1000, requestTimeout: 2500, throwOnRequestTimeout: true } as const;
export const LOCK_TABLE_REQUEST_TIMEOUTS = { connectionTimeout: 1000, requestTimeout: 1000, throwOnRequestTimeout: true } as const;
const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\x21-\x7e]{1,512}\/)?[A-Za-z0-9+=,.@_-]{1,64}$/;

const AWS_STS_VARIABLES = {
  CREDVEND_AWS_ROLE_ARN: z.pipe(
    z.optional(z.string()),
    parsedBy((text?: string) => {
      const arn = text?.trim() || undefined;
      if (arn !== undefined) checkRoleArn("CREDVEND_AWS_ROLE_ARN", arn);
      return arn;
    }),
  ),
  CREDVEND_AWS_ROLES: z.pipe(z.optional(z.string()), parsedBy(parseRoles)),
  CREDVEND_AWS_MAX_SESSION_SECONDS: wholeNumber(
    { fallback: CHAINED_MAX_SESSION_SECONDS, min: MIN_SESSION_SECONDS, max: 43_200 },
    "a whole number of seconds from 900 to 43200",
  ),
  AWS_REGION: z.optional(z.string()),
};

type AwsStsVariables = z.output<z.ZodMiniObject<typeof AWS_STS_VARIABLES>>;

function toConfig(env: AwsStsVariables): AwsStsConfig {
  const defaultRoleArn = env.CREDVEND_AWS_ROLE_ARN;
  return {
    ...(defaultRoleArn ? { defaultRoleArn } : {}),
    roles: env.CREDVEND_AWS_ROLES,
    maxSessionSeconds: env.CREDVEND_AWS_MAX_SESSION_SECONDS,
    region: env.AWS_REGION?.trim() || "*",
  };
}

const awsStsEnv = z.pipe(z.object(AWS_STS_VARIABLES), z.transform(toConfig));

const awsStsLambdaEnv = z.pipe(
  z.object({
    ...AWS_STS_VARIABLES,
    CREDVEND_AWS_REVOKE_SESSIONS: z.optional(z.string()),
    CREDVEND_AWS_LOCK_TABLE: z.optional(z.string()),
    CREDVEND_ALLOWED_CALLERS: allowedCallersVariable(),
  }),
  parsedBy((env): AwsStsLambdaConfig => {
    const base = { worker: toConfig(env), allowedCallers: env.CREDVEND_ALLOWED_CALLERS };
    if (env.CREDVEND_AWS_REVOKE_SESSIONS !== "1") return base;
    // Writes to a role's deny policy are safe across environments only under its lock (revoke.ts).
    const lockTable = env.CREDVEND_AWS_LOCK_TABLE?.trim();
    if (!lockTable) throw new ConfigError("CREDVEND_AWS_LOCK_TABLE is not set (required with CREDVEND_AWS_REVOKE_SESSIONS=1)");
    return { ...base, revocation: { lockTable } };
  }),
);

export function loadAwsStsConfig(env: Env = process.env): AwsStsConfig {
  return readEnv(awsStsEnv, env);
}

export function loadAwsStsLambdaConfig(env: Env = process.env): AwsStsLambdaConfig {
  return readEnv(awsStsLambdaEnv, env);
}

function parseRoles(text: string | undefined): Record<string, string> {
  if (text === undefined || text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError('CREDVEND_AWS_ROLES: not valid JSON (expected {"name":"arn:aws:iam::…:role/…"})');
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError('CREDVEND_AWS_ROLES: must be a JSON object {"name":"role ARN"}');
  }
  const roles: Record<string, string> = {};
  for (const [name, arn] of Object.entries(value)) {
    if (typeof arn !== "string") throw new ConfigError(`CREDVEND_AWS_ROLES.${name}: must be a role ARN`);
    checkRoleArn(`CREDVEND_AWS_ROLES.${name}`, arn);
    roles[name] = arn;
  }
  return roles;
}

function checkRoleArn(name: string, arn: string): void {
  if (!ROLE_ARN.test(arn)) throw new ConfigError(`${name}: "${arn}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
}

/** Partition and account from the default role's ARN; "*" where it cannot say. */
export function arnContext(config: AwsStsConfig): ArnContext {
  const match = config.defaultRoleArn ? ROLE_ARN.exec(config.defaultRoleArn) : null;
  return { partition: match?.[1] ?? "aws", accountId: match?.[2] ?? "*", region: config.region };
}
