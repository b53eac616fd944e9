// The IAM roles a worker accepts gRPC calls from, as the deployment names them
// (CREDVEND_ALLOWED_CALLERS: the vend and webhooks functions' roles), and the matching of a
// Function URL caller's assumed-role session against them.
import * as z from "zod/mini";
import { ConfigError, parsedBy, readEnv, type Env } from "./env.js";

export const ALLOWED_CALLERS_VARIABLE = "CREDVEND_ALLOWED_CALLERS";

/** What identifies a role to a caller check: its partition, account and name (never its path). */
export interface IamRole {
  readonly partition: string;
  readonly account: string;
  readonly name: string;
}

const NAME = "[\\w+=,.@-]{1,64}";
// arn:aws:iam::<account>:role/<path/>name: the path is optional; the name is the last segment.
const ROLE_ARN = new RegExp(`^arn:(aws[a-z-]*):iam::(\\d{12}):role/(?:[\\x21-\\x7e]*/)?(${NAME})$`);
// arn:aws:sts::<account>:assumed-role/<name>/<session>: a session carries the role's name, no path.
const ASSUMED_ROLE_ARN = new RegExp(`^arn:(aws[a-z-]*):sts::(\\d{12}):assumed-role/(${NAME})/[^/]+$`);

/** A role ARN (with or without a path), or undefined. */
export function parseRoleArn(arn: string): IamRole | undefined {
  return toRole(ROLE_ARN.exec(arn));
}

/** The role behind an assumed-role session ARN (what a Function URL names as the caller), or undefined. */
export function roleOfSession(arn: string): IamRole | undefined {
  return toRole(ASSUMED_ROLE_ARN.exec(arn));
}

export function sameRole(a: IamRole, b: IamRole): boolean {
  return a.partition === b.partition && a.account === b.account && a.name === b.name;
}

/** CREDVEND_ALLOWED_CALLERS: a JSON array of IAM role ARNs. Unset or blank is none, so every gRPC call is refused. */
export function parseAllowedCallers(text: string | undefined): readonly string[] {
  if (text === undefined || text.trim() === "") return [];
  const expected = '(expected ["arn:aws:iam::<account>:role/<name>", ...])';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(`${ALLOWED_CALLERS_VARIABLE}: not valid JSON ${expected}`);
  }
  if (!Array.isArray(value)) throw new ConfigError(`${ALLOWED_CALLERS_VARIABLE}: must be a JSON array ${expected}`);
  value.forEach((arn: unknown, i) => {
    if (typeof arn !== "string" || !parseRoleArn(arn))
      throw new ConfigError(`${ALLOWED_CALLERS_VARIABLE}[${i}]: not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
  });
  return value as string[];
}

/** The variable in a worker's environment schema (its config.ts). */
export function allowedCallersVariable() {
  return z.pipe(z.optional(z.string()), parsedBy(parseAllowedCallers));
}

/** For a worker with no configuration of its own: the allowed callers from the environment. */
export function loadAllowedCallers(env: Env = process.env): readonly string[] {
  return readEnv(z.object({ [ALLOWED_CALLERS_VARIABLE]: allowedCallersVariable() }), env)[ALLOWED_CALLERS_VARIABLE];
}

function toRole(match: RegExpExecArray | null): IamRole | undefined {
  return match ? { partition: match[1]!, account: match[2]!, name: match[3]! } : undefined;
}
