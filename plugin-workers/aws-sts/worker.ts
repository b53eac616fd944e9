// aws-sts: short-lived AWS credentials from STS AssumeRole, narrowed by an IAM session policy
// built from the requested scopes. With `revocation` (opt-in), Revoke denies one session early through
// an inline policy on its role (revoke.ts), found by the upstreamRef written below.
import { AssumeRoleCommand, type AssumeRoleCommandInput, type STSClient, type Tag } from "@aws-sdk/client-sts";
import type { Claims } from "../../plugin-protocol/claims.js";
import type { ScopeSetRequest, VendRequest, VendResult, WorkerConfiguration } from "../../plugin-protocol/types.js";
import { PluginError } from "../sdk/plugin-error.js";
import { servePlugin, type ServedPlugin } from "../sdk/serve-plugin.js";
import type { CallerAuthentication } from "../sdk/caller-check.js";
import type { PluginImplementation } from "../sdk/plugin-implementation.js";
import { arnContext, MIN_SESSION_SECONDS, type AwsStsConfig } from "./config.js";
import { AWS_PROVIDER, analyzeAwsScope, validateAwsScope } from "./scopes.js";
import {
  ASSUMPTION_MEDIA_TYPE,
  DEFAULT_ROLE,
  encodeAssumption,
  matchesAssumption,
  toAssumption,
  type Assumption,
} from "./session-policy.js";
import { stsFailure } from "./sts-errors.js";
import { awsSessionRevoke, type SessionRevocationOptions } from "./revoke.js";
import type { AwsSessionRef } from "./session-ref.js";
import { revokeSessionsUrl } from "./console-url.js";

export const AWS_STS_NAME = "aws-sts";
export const AWS_STS_VERSION = "0.1.0";
// RoleSessionName: 2-64 of [\w+=,.@-]; the credential id (a UUID) always fits.
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

export interface AwsStsWorkerOptions {
  readonly config: AwsStsConfig;
  /** Undefined when the worker has no AWS access (tests of validation): Vend answers "not configured". */
  readonly sts?: STSClient;
  /** IAM and the lock table, when the operator enabled early revocation of single sessions (revoke.ts). */
  readonly revocation?: SessionRevocationOptions;
}

/** What a later `revoke` needs to find the session: never a key or token. */
export function createAwsStsWorker(options: AwsStsWorkerOptions): PluginImplementation {
  const { config, sts } = options;
  const arns = arnContext(config);
  const rules = { roleNames: Object.keys(config.roles) };

  function assumptionFor(request: ScopeSetRequest): Assumption {
    const assumption = toAssumption(request.scopes, arns);
    // With session revocation (default role only), a shorter TTL is honoured: the broker revokes
    // the session at the granted time.
    if (!(options.revocation && assumption.role === DEFAULT_ROLE)) requireMinimumTtl(request.ttlSeconds);
    return assumption;
  }

  async function vend(request: VendRequest): Promise<VendResult> {
    if (!SESSION_NAME.test(request.credentialId)) throw new PluginError("invalid_argument", "invalid credential id");
    const assumption = assumptionFor(request);
    // The bytes come back from our own serialize step; check they still say what the scopes say.
    if (!matchesAssumption(request.serialized, assumption)) {
      throw new PluginError("invalid_argument", "serialized session policy does not match the requested scopes");
    }
    const roleArn = assumption.role === DEFAULT_ROLE ? config.defaultRoleArn : config.roles[assumption.role];
    if (!sts || !roleArn) {
      throw new PluginError("unavailable", "aws-sts is not configured: set CREDVEND_AWS_ROLE_ARN (and AWS credentials for the worker)");
    }
    const notes: string[] = [];
    let duration = request.ttlSeconds;
    if (duration < MIN_SESSION_SECONDS) {
      notes.push(`AWS sessions last at least ${MIN_SESSION_SECONDS}s; this one is revoked after the ${duration}s granted`);
      duration = MIN_SESSION_SECONDS;
    }
    if (duration > config.maxSessionSeconds) {
      notes.push(
        `ttl clamped from ${duration}s to ${config.maxSessionSeconds}s: AssumeRole from a role session (role chaining) lasts at most that long`,
      );
      duration = config.maxSessionSeconds;
    }
    const input = assumeRoleInput(roleArn, request, duration, assumption.policy);
    const output = await sts.send(new AssumeRoleCommand(input)).catch((error: unknown) => {
      throw stsFailure(error);
    });
    const { Credentials: c, AssumedRoleUser: user } = output;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new PluginError("internal", "AWS STS answered AssumeRole without credentials");
    }
    const ref: AwsSessionRef = {
      roleArn,
      sessionName: request.credentialId,
      assumedRoleArn: user?.Arn ?? "",
      assumedRoleId: user?.AssumedRoleId ?? "",
    };
    return {
      credential: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
      expiresAt: c.Expiration,
      // Early revocation writes a policy on the default role only (the one the worker may change).
      revocable: options.revocation !== undefined && roleArn === config.defaultRoleArn && ref.assumedRoleId !== "",
      upstreamRef: JSON.stringify(ref),
      notes,
      manualRevocationUrl: revokeSessionsUrl(ref),
    };
  }

  return {
    name: AWS_STS_NAME,
    version: AWS_STS_VERSION,
    providers: [AWS_PROVIDER],
    validate: (scopes) => scopes.map((scope) => validateAwsScope(scope, rules)),
    analyze: (request) => request.scopes.map(analyzeAwsScope),
    serialize: (request) => ({ serialized: encodeAssumption(assumptionFor(request)), mediaType: ASSUMPTION_MEDIA_TYPE }),
    vend,
    configuration: () => awsStsConfiguration(options),
    // Always advertised, so the signed manifest is the same whether or not session revocation is
    // enabled; when it is off every credential is vended with `revocable: false` (manual branch).
    revoke: options.revocation ? awsSessionRevoke(options.revocation) : revocationNotConfigured,
  };
}

const CREDENTIALS_CHECK_MS = 2_000;

/** What Vend would say "not configured" about, asked before any vend: a role, and AWS credentials. */
async function awsStsConfiguration({ config, sts }: AwsStsWorkerOptions): Promise<WorkerConfiguration> {
  if (!sts || (!config.defaultRoleArn && Object.keys(config.roles).length === 0))
    return { configured: false, missing: "CREDVEND_AWS_ROLE_ARN (the role to assume) and AWS credentials for the worker" };
  // The SDK's provider chain, as AssumeRole would resolve it (cached once found); bounded, since
  // without any source the chain ends by asking the instance metadata service.
  const found = await Promise.race([
    sts.config.credentials().then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => setTimeout(resolve, CREDENTIALS_CHECK_MS, false).unref()),
  ]);
  return found ? { configured: true } : { configured: false, missing: "AWS credentials for the worker (environment, profile or role)" };
}

function revocationNotConfigured(): never {
  throw new PluginError("unavailable", "session revocation is not enabled on this worker (CREDVEND_AWS_REVOKE_SESSIONS): revoke by hand");
}

/** The worker's app and Lambda handler; `callers`: who may call it (the core's roles on AWS, its secret on loopback). */
export function serveAwsSts(options: AwsStsWorkerOptions, callers: CallerAuthentication = {}): ServedPlugin {
  return servePlugin(createAwsStsWorker(options), callers);
}

// Without session revocation, a session shorter than STS's minimum would outlive what the policy
// granted: refuse, never widen.
function requireMinimumTtl(ttlSeconds: number): void {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < MIN_SESSION_SECONDS) {
    throw new PluginError(
      "invalid_argument",
      `AWS sessions last at least ${MIN_SESSION_SECONDS}s and this worker cannot revoke them early (CREDVEND_AWS_REVOKE_SESSIONS), but ${ttlSeconds}s was granted; request ttlSeconds ${MIN_SESSION_SECONDS} or more (the policy's maxTtl must allow it)`,
    );
  }
}

export function assumeRoleInput(
  roleArn: string,
  request: VendRequest,
  durationSeconds: number,
  policy: string | null,
): AssumeRoleCommandInput {
  const sourceIdentity = sourceIdentityOf(request.subject);
  return {
    RoleArn: roleArn,
    RoleSessionName: request.credentialId,
    DurationSeconds: durationSeconds,
    ...(policy === null ? {} : { Policy: policy }),
    ...(sourceIdentity ? { SourceIdentity: sourceIdentity } : {}),
    Tags: sessionTags(request.subject),
  };
}

// CloudTrail shows these on every call made with the credential.
const TAGGED_CLAIMS = [
  ["credvend:repository", "repository"],
  ["credvend:run_id", "run_id"],
  ["credvend:actor", "actor"],
] as const;

function sessionTags(subject: Claims): Tag[] {
  return TAGGED_CLAIMS.flatMap(([key, claim]) => {
    const value = subject[claim];
    return value ? [{ Key: key, Value: value.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, "_").slice(0, 256) }] : [];
  });
}

/** The GitHub actor, in SourceIdentity's alphabet (2-64 of [\w+=,.@-]); it survives role chaining. */
function sourceIdentityOf(subject: Claims): string | undefined {
  const actor = subject.actor?.replace(/[^\w+=,.@-]/g, "_").slice(0, 64);
  return actor && actor.length >= 2 ? actor : undefined;
}
