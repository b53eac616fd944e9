// DELETE /v1/credentials/{credentialId}: a job revokes a credential it vended (the Action's post
// step does, at job end). Mounted by app.ts; documented by revokeRoute in routes.ts (build time).
import type { Hono } from "hono";
import type { IdentityVerifier } from "../core/ports/identity-verifier.js";
import type { Logger } from "../core/ports/logger.js";
import type { OwnerRevocation } from "../core/revocation/owner-revocation.js";
import { bearerToken } from "../http/bearer-token.js";
import { validated } from "../http/validated.js";
import { RevokeParams } from "./request-schemas.js";

export interface CredentialRevocationOptions {
  readonly revocation: OwnerRevocation;
  readonly verifier: IdentityVerifier;
  readonly logger: Logger;
}

export function mountCredentialRevocation(app: Hono, options: CredentialRevocationOptions): void {
  app.delete("/v1/credentials/:credentialId", async (c) => {
    const { credentialId } = validated(RevokeParams, c.req.param());
    const claims = await options.verifier.verify(bearerToken(c));
    const answer = await options.revocation.revoke(claims, credentialId);
    options.logger.log("info", "credential revocation answered", { credentialId, state: answer.state, repository: claims.repository });
    return c.json(answer, 200);
  });
}
