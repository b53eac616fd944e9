// The vend function's request validators, in zod/mini: a few KiB in the Lambda bundle, where the
// documented schemas (routes.ts, classic zod + OpenAPI, build-time only) would bring ~480 KiB.
// Both use these messages; a test runs both on the same inputs and expects the same answers.
import * as z from "zod/mini";
import { MAX_TTL_SECONDS, MIN_TTL_SECONDS } from "../core/policy/policy.js";
import { MAX_SCOPES_PER_REQUEST } from "../core/vend-request.js";
import { IDENTITY_MESSAGE, IDENTITY_PATTERN } from "../../plugin-protocol/identity.js";

export const SCOPES_MESSAGE = `scopes: must be a non-empty array of at most ${MAX_SCOPES_PER_REQUEST} strings`;
export const TTL_MESSAGE = `ttlSeconds: must be a whole number from ${MIN_TTL_SECONDS} to ${MAX_TTL_SECONDS} (the policy may narrow it further)`;
export const SCOPE_PARAMETER_MESSAGE = `scope: one to ${MAX_SCOPES_PER_REQUEST} aws scopes (repeat the parameter)`;
export const MAX_CREDENTIAL_ID_LENGTH = 128;
export const CREDENTIAL_ID_MESSAGE = `credentialId: at most ${MAX_CREDENTIAL_ID_LENGTH} characters`;
export const VEND_BODY_MESSAGE = 'body must be a JSON object like {"scopes":["aws:s3-read:my-bucket"],"ttlSeconds":900}';

/** The message for a vend body with fields it does not know. */
export function unknownFieldsMessage(keys: readonly string[]): string {
  return `unknown field(s): ${keys.join(", ")} (expected scopes, ttlSeconds, identity)`;
}

const Scope = z.string({ error: SCOPES_MESSAGE });
const ttlChecks = [
  z.int({ error: TTL_MESSAGE }),
  z.minimum(MIN_TTL_SECONDS, { error: TTL_MESSAGE }),
  z.maximum(MAX_TTL_SECONDS, { error: TTL_MESSAGE }),
] as const;

export const VendBody = z.strictObject(
  {
    scopes: z
      .array(Scope, { error: SCOPES_MESSAGE })
      .check(z.minLength(1, { error: SCOPES_MESSAGE }), z.maxLength(MAX_SCOPES_PER_REQUEST, { error: SCOPES_MESSAGE })),
    ttlSeconds: z.optional(z.number({ error: TTL_MESSAGE }).check(...ttlChecks)),
    identity: z.optional(z.string({ error: IDENTITY_MESSAGE }).check(z.regex(IDENTITY_PATTERN, { error: IDENTITY_MESSAGE }))),
  },
  { error: (issue) => (issue.code === "unrecognized_keys" ? unknownFieldsMessage(issue.keys) : VEND_BODY_MESSAGE) },
);

export const ContainerCredentialsQuery = z.object({
  scope: z.union([Scope, z.array(Scope).check(z.minLength(1), z.maxLength(MAX_SCOPES_PER_REQUEST))], { error: SCOPE_PARAMETER_MESSAGE }),
  ttlSeconds: z.optional(z.coerce.number({ error: TTL_MESSAGE }).check(...ttlChecks)),
});

export const RevokeParams = z.object({
  credentialId: z.string().check(z.maxLength(MAX_CREDENTIAL_ID_LENGTH, { error: CREDENTIAL_ID_MESSAGE })),
});
