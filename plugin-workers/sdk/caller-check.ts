// Who may call a worker's gRPC service. Behind a Function URL with AWS_IAM auth, AWS has checked
// the SigV4 signature and names the signer in requestContext.authorizer.iam; but every principal
// allowed lambda:InvokeFunctionUrl passes that (an admin, a deploy role, a service granted
// introspection), so the worker itself accepts only sessions of the roles the deployment names.
// On a loopback port the core proves itself with the local stack's secret instead. A request that
// is neither (app.fetch in the same process: tests) is not checked.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { CALLER_SECRET_HEADER } from "../../plugin-protocol/caller-secret.js";
import { parseRoleArn, roleOfSession, sameRole, type IamRole } from "./allowed-callers.js";
import { ConfigError } from "./env.js";

export interface CallerAuthentication {
  /**
   * On Lambda (a Function URL event): the IAM role ARNs whose sessions may call the gRPC service,
   * e.g. from CREDVEND_ALLOWED_CALLERS. Unset or empty refuses every gRPC call.
   */
  readonly allowedCallers?: readonly string[];
  /** Off Lambda (a loopback port): the secret every gRPC call must carry in x-credvend-caller-secret. */
  readonly callerSecret?: string;
}

export interface CallerRefusal {
  /** The caller as far as it is known: its IAM ARN, or what it failed to show. */
  readonly caller: string;
  readonly reason: string;
}

/** Undefined when the caller may go on. */
export type CallerCheck = (c: Context) => CallerRefusal | undefined;

const MIN_SECRET_LENGTH = 16;

export function createCallerCheck(options: CallerAuthentication): CallerCheck {
  const roles = (options.allowedCallers ?? []).map((arn) => {
    const role = parseRoleArn(arn);
    if (!role) throw new ConfigError(`allowedCallers: "${arn}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
    return role;
  });
  const { callerSecret } = options;
  if (callerSecret !== undefined && callerSecret.length < MIN_SECRET_LENGTH)
    throw new ConfigError(`callerSecret: at least ${MIN_SECRET_LENGTH} characters`);
  const expected = callerSecret === undefined ? undefined : digest(callerSecret);
  return (c) => {
    const event = (c.env as { event?: unknown } | undefined)?.event;
    if (event !== undefined) return checkIamCaller(event, roles);
    if (expected !== undefined) return checkSecret(c.req.header(CALLER_SECRET_HEADER), expected);
    return undefined;
  };
}

interface FunctionUrlIdentity {
  readonly requestContext?: { readonly authorizer?: { readonly iam?: { readonly userArn?: unknown } } | null };
}

function checkIamCaller(event: unknown, roles: readonly IamRole[]): CallerRefusal | undefined {
  const arn = (event as FunctionUrlIdentity).requestContext?.authorizer?.iam?.userArn;
  if (typeof arn !== "string" || arn === "") {
    return { caller: "(no IAM identity)", reason: "the request carries no IAM caller (is the Function URL's auth type AWS_IAM?)" };
  }
  if (roles.length === 0) return { caller: arn, reason: "no allowed callers are configured (CREDVEND_ALLOWED_CALLERS)" };
  const role = roleOfSession(arn);
  if (role && roles.some((allowed) => sameRole(allowed, role))) return undefined;
  return { caller: arn, reason: "not one of the allowed callers" };
}

function checkSecret(presented: string | undefined, expected: Buffer): CallerRefusal | undefined {
  // Digests of equal length, so the comparison takes the same time whatever was sent.
  if (presented !== undefined && timingSafeEqual(digest(presented), expected)) return undefined;
  return { caller: "(local process)", reason: presented === undefined ? "no caller secret" : "wrong caller secret" };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
