// The vend function's routes as OpenAPI route definitions, for /openapi.json. Build-time only
// (api-document.ts writes openapi.json from them): the function validates requests with the
// zod/mini schemas of request-schemas.ts, and a test keeps both in agreement.
import { createRoute, z } from "@hono/zod-openapi";
import { MAX_TTL_SECONDS, MIN_TTL_SECONDS } from "../core/policy/policy.js";
import { MAX_SCOPES_PER_REQUEST } from "../core/vend-request.js";
import {
  CREDENTIAL_ID_MESSAGE,
  MAX_CREDENTIAL_ID_LENGTH,
  SCOPE_PARAMETER_MESSAGE,
  SCOPES_MESSAGE,
  TTL_MESSAGE,
  unknownFieldsMessage,
  VEND_BODY_MESSAGE,
} from "./request-schemas.js";
import { IDENTITY_MESSAGE, IDENTITY_PATTERN } from "../../plugin-protocol/identity.js";

export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) }).openapi("Error");

const RETRY_AFTER = { "Retry-After": { description: "Seconds to wait before trying again", schema: { type: "integer" as const } } };

const errors = (codes: Record<number, string>) =>
  Object.fromEntries(
    Object.entries(codes).map(([status, description]) => [
      status,
      { description, content: { "application/json": { schema: ErrorBody } }, ...(status === "503" ? { headers: RETRY_AFTER } : {}) },
    ]),
  );

const Scope = z.string({ error: SCOPES_MESSAGE }).openapi({ example: "aws:s3-read:my-bucket", description: "provider:action:resource" });
const TtlSeconds = z
  .number({ error: TTL_MESSAGE })
  .int({ error: TTL_MESSAGE })
  .min(MIN_TTL_SECONDS, { error: TTL_MESSAGE })
  .max(MAX_TTL_SECONDS, { error: TTL_MESSAGE });

export const VendBody = z
  .strictObject(
    {
      scopes: z
        .array(Scope, { error: SCOPES_MESSAGE })
        .min(1, { error: SCOPES_MESSAGE })
        .max(MAX_SCOPES_PER_REQUEST, { error: SCOPES_MESSAGE }),
      ttlSeconds: TtlSeconds.optional().openapi({
        description: `Requested lifetime, ${MIN_TTL_SECONDS} to ${MAX_TTL_SECONDS} (anything else is a 400); narrowed to the policy's maxTtl, which the answer's \`notes\` then say. Default: the policy's defaultTtl.`,
      }),
      identity: z.string({ error: IDENTITY_MESSAGE }).regex(IDENTITY_PATTERN, { error: IDENTITY_MESSAGE }).optional().openapi({
        example: "release",
        description:
          "Self-serve trust: the identity whose target policy (.github/credvend/<identity>.yaml on the target's default branch) may grant the scopes, within the central policy's delegations. Central rules need none.",
      }),
    },
    {
      error: (issue) => (issue.code === "unrecognized_keys" ? unknownFieldsMessage(issue.keys) : VEND_BODY_MESSAGE),
    },
  )
  .openapi("VendRequest");

export const VendAnswer = z
  .object({
    credentialId: z.string(),
    provider: z.string(),
    scopes: z.array(z.string()),
    ttlSeconds: z.number().int().openapi({ description: "The TTL the policy granted" }),
    expiresAt: z.string().openapi({ format: "date-time" }),
    credential: z.record(z.string(), z.string()).openapi({
      description: 'AWS: {"accessKeyId","secretAccessKey","sessionToken"}; GitHub: {"token"}; local: {"token"}',
    }),
    warnings: z.array(z.string()),
    notes: z.array(z.string()).openapi({
      description:
        "What the caller should know, never a secret: a TTL narrowed by the policy's maxTtl (naming the rule) or clamped by the worker's maximum, the provider's own notes",
    }),
  })
  .openapi("VendResponse");

export const ContainerCredentialsQuery = z.object({
  scope: z
    .union([Scope, z.array(Scope).min(1).max(MAX_SCOPES_PER_REQUEST)], {
      error: SCOPE_PARAMETER_MESSAGE,
    })
    .openapi({
      param: { style: "form", explode: true },
      description: "An aws scope; repeat for several",
      example: "aws:s3-read:my-bucket",
    }),
  ttlSeconds: z.coerce
    .number({ error: TTL_MESSAGE })
    .int({ error: TTL_MESSAGE })
    .min(MIN_TTL_SECONDS, { error: TTL_MESSAGE })
    .max(MAX_TTL_SECONDS, { error: TTL_MESSAGE })
    .optional()
    .openapi({ description: "Requested lifetime in seconds (default: the policy's defaultTtl)" }),
});

export const AwsContainerCredentials = z
  .object({
    AccessKeyId: z.string(),
    SecretAccessKey: z.string(),
    Token: z.string(),
    Expiration: z.string().openapi({ format: "date-time" }),
  })
  .openapi("AwsContainerCredentials");

const VEND_ERRORS = {
  400: "Bad body or query, invalid scope, unknown or mixed providers",
  401: "Missing or invalid OIDC token",
  403: "The policy does not allow a scope, named in the message (scope_denied; audited), or no rule names the repository or its owner (no_matching_rule; audited once per owner and hour); with an identity, the message names the party that refused (ceiling or target_policy), never either policy's content",
  502: "The worker or its upstream failed",
  503: "A dependency is down (JWKS, worker, ledger), or a target policy could not be read (target_policy_unavailable); nothing vended",
  504: "The worker did not answer in time; nothing vended",
};

export const vendRoute = createRoute({
  method: "post",
  path: "/v1/vend",
  summary: "Vend a short-lived credential",
  security: [{ githubOidc: [] }],
  request: { body: { required: true, content: { "application/json": { schema: VendBody } } } },
  responses: {
    200: { description: "The credential (Cache-Control: no-store)", content: { "application/json": { schema: VendAnswer } } },
    ...errors({ ...VEND_ERRORS, 413: "Body over 16 KiB", 415: "Not application/json" }),
  },
});

export const containerCredentialsRoute = createRoute({
  method: "get",
  path: "/v1/aws/container-credentials",
  summary: "AWS container credentials provider",
  description:
    "For AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN: every AWS SDK and the AWS CLI fetch " +
    "credentials here. Authorization is the OIDC token, with or without `Bearer `.",
  security: [{ githubOidc: [] }],
  request: { query: ContainerCredentialsQuery },
  responses: {
    200: { description: "AWS credentials (Cache-Control: no-store)", content: { "application/json": { schema: AwsContainerCredentials } } },
    ...errors(VEND_ERRORS),
  },
});

export const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  summary: "Liveness",
  responses: { 200: { description: "Up", content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } } } },
});

const StatusAnswer = z
  .object({
    status: z.literal("ok"),
    audience: z.string().openapi({ description: "The `aud` every OIDC token must carry" }),
    issuers: z.array(z.string()).openapi({ description: "The OIDC issuers trusted" }),
    policy: z.object({ fingerprint: z.string(), rules: z.number().int() }).openapi({
      description: "Which policy is in force: a short hash of its compiled content (comparable with a file), and its rule count",
    }),
    workers: z.array(
      z.object({
        name: z.string(),
        providers: z.array(z.string()),
        verification: z.enum(["verified", "unsigned", "refused", "unverifiable", "unchecked"]),
        configured: z
          .enum(["yes", "no", "unknown"])
          .openapi({ description: "What the worker's Describe says: whether it can vend; unknown when it does not say" }),
      }),
    ),
  })
  .openapi("StatusResponse");

export const statusRoute = createRoute({
  method: "get",
  path: "/v1/status",
  summary: "What is in force: audience, issuers, and each worker's verification and configuration state",
  description:
    "For `credvend doctor`. Names and states only: no rule of the policy, no configuration value, no secret, no reason a worker " +
    "was refused (that is in the alert and the audit). Served from the verification cache: a worker is described at most once " +
    "per cold start on this route's behalf, however often it is asked.",
  responses: {
    200: { description: "The service's state", content: { "application/json": { schema: StatusAnswer } } },
  },
});

export const openApiRoute = createRoute({
  method: "get",
  path: "/openapi.json",
  summary: "This document (OpenAPI 3.1)",
  responses: {
    200: {
      description: "The OpenAPI document of the vend and webhooks functions",
      content: { "application/json": { schema: z.object({}).passthrough() } },
    },
  },
});

// DELETE /v1/credentials/{credentialId} (revoke-route.ts serves it).
export const RevokeParams = z.object({
  credentialId: z
    .string()
    .max(MAX_CREDENTIAL_ID_LENGTH, { error: CREDENTIAL_ID_MESSAGE })
    .openapi({ param: { name: "credentialId", in: "path" }, example: "586e48ff-aa2f-4a44-b12f-70a0c5bf3218" }),
});

export const RevokeAnswer = z
  .object({
    credentialId: z.string(),
    state: z.enum(["revoked", "expired"]),
    revokedBy: z
      .enum(["revoked_by_owner", "expired_by_broker", "revoked_on_detection"])
      .optional()
      .openapi({ description: "With state revoked: the job itself, the broker at the granted TTL, or leak response" }),
    revokedAt: z.string().optional().openapi({ format: "date-time" }),
    expiresAt: z.string().optional().openapi({ format: "date-time", description: "With state expired" }),
  })
  .openapi("RevokeResponse");

export const revokeRoute = createRoute({
  method: "delete",
  path: "/v1/credentials/{credentialId}",
  summary: "Revoke a credential this workflow run vended",
  description:
    "Authenticated by an OIDC token of the same workflow run as the vend (same issuer, repository_id and run_id; " +
    "run_attempt may differ). Idempotent: a repeat answers the same outcome without calling the provider again. " +
    "Audited as a `revoke` event with reason `revoked_by_owner`.",
  security: [{ githubOidc: [] }],
  request: { params: RevokeParams },
  responses: {
    200: { description: "Revoked (now or before), or expired already", content: { "application/json": { schema: RevokeAnswer } } },
    ...errors({
      400: "A malformed credential id",
      401: "Missing or invalid OIDC token",
      404: "No credential with this id was vended to this workflow run (the same answer whether or not it exists)",
      409: "not_revocable: it cannot be revoked (the reason says why); revocation_in_progress: someone is revoking it now",
      503: "The worker or the ledger failed; the credential is still live, try again",
    }),
  },
});
