// DELETE /v1/credentials/{credentialId}: a job revokes a credential it vended (the Action's post
// step does, at job end). The route's definition and its handler, mounted by app.ts.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { IdentityVerifier } from "../core/ports/identity-verifier.js";
import type { Logger } from "../core/ports/logger.js";
import type { OwnerRevocation } from "../core/revocation/owner-revocation.js";
import { bearerToken } from "../http/bearer-token.js";
import { ErrorBody } from "./routes.js";

const RevokeParams = z.object({
  credentialId: z
    .string()
    .max(128, { error: "credentialId: at most 128 characters" })
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

const error = (description: string) => ({ description, content: { "application/json": { schema: ErrorBody } } });

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
    400: error("A malformed credential id"),
    401: error("Missing or invalid OIDC token"),
    404: error("No credential with this id was vended to this workflow run (the same answer whether or not it exists)"),
    409: error("not_revocable: it cannot be revoked (the reason says why); revocation_in_progress: someone is revoking it now"),
    503: error("The worker or the ledger failed; the credential is still live, try again"),
  },
});

export interface CredentialRevocationOptions {
  readonly revocation: OwnerRevocation;
  readonly verifier: IdentityVerifier;
  readonly logger: Logger;
}

export function mountCredentialRevocation(app: OpenAPIHono, options: CredentialRevocationOptions): void {
  app.openapi(revokeRoute, async (c) => {
    const { credentialId } = c.req.valid("param");
    const claims = await options.verifier.verify(bearerToken(c));
    const answer = await options.revocation.revoke(claims, credentialId);
    options.logger.log("info", "credential revocation answered", { credentialId, state: answer.state, repository: claims.repository });
    return c.json(answer, 200);
  });
}
