// GET /v1/aws/container-credentials: the AWS SDKs' container credentials provider, so
// AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN make any AWS SDK or the
// AWS CLI fetch credvend credentials with no code. Same pipeline, policy and audit as /v1/vend;
// the SDK gives this call 1 s by default, so it costs exactly the vend's worker round trips
// (one for canonical scopes, two at most).
import type { Hono } from "hono";
import type { IdentityVerifier } from "../core/ports/identity-verifier.js";
import type { Logger } from "../core/ports/logger.js";
import type { VendPipeline } from "../core/vend-pipeline.js";
import { bearerToken } from "../http/bearer-token.js";
import { HttpError } from "../http/http-error.js";
import { stageTimer } from "../http/server-timing.js";
import { queryOf, validated } from "../http/validated.js";
import { ContainerCredentialsQuery } from "./request-schemas.js";
import { logVended } from "./log-vended.js";

export interface ContainerCredentialsOptions {
  readonly pipeline: VendPipeline;
  readonly verifier: IdentityVerifier;
  readonly logger: Logger;
}

export function mountContainerCredentials(app: Hono, options: ContainerCredentialsOptions): void {
  app.get("/v1/aws/container-credentials", async (c) => {
    const query = validated(ContainerCredentialsQuery, queryOf(c));
    const scopes = Array.isArray(query.scope) ? query.scope : [query.scope];
    if (!scopes.every((scope) => scope.startsWith("aws:"))) {
      throw new HttpError(400, "invalid_scope", "container credentials are AWS credentials: every scope must be an aws: scope");
    }
    const { ttlSeconds } = query;
    const timer = stageTimer(c);
    const input = { scopes, ...(ttlSeconds === undefined ? {} : { ttlSeconds }) };
    options.pipeline.prefetchWorker(input); // as POST /v1/vend does
    const claims = await timer.time("oidc", async () => options.verifier.verify(bearerToken(c)));
    const vended = await options.pipeline.vend(claims, input, timer);
    const { accessKeyId, secretAccessKey, sessionToken } = vended.credential;
    if (!accessKeyId || !secretAccessKey || !sessionToken) {
      // Recorded already, but not in the shape the SDKs need: say so rather than hand out half.
      throw new HttpError(502, "worker_bad_response", "the aws worker answered without a full set of AWS credentials");
    }
    logVended(options.logger, vended, claims, timer.finish(), "container-credentials");
    c.header("Cache-Control", "no-store");
    return c.json({ AccessKeyId: accessKeyId, SecretAccessKey: secretAccessKey, Token: sessionToken, Expiration: vended.expiresAt }, 200);
  });
}
