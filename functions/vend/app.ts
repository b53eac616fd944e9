import { Hono } from "hono";
import type { ErrorHandler } from "hono/types";
import { HTTPException } from "hono/http-exception";
import { CredvendError } from "../core/errors.js";
import type { IdentityVerifier } from "../core/ports/identity-verifier.js";
import { silentLogger, type Logger } from "../core/ports/logger.js";
import type { VendPipeline } from "../core/vend-pipeline.js";
import { bearerToken } from "../http/bearer-token.js";
import { errorBody, errorHandler, notFound } from "../http/http-error.js";
import { readJsonBody } from "../http/json-body.js";
import { serverTiming, stageTimer } from "../http/server-timing.js";
import { validated } from "../http/validated.js";
import { mountContainerCredentials } from "./container-credentials.js";
import { logVended } from "./log-vended.js";
import { VendBody } from "./request-schemas.js";
// Generated at build time from the documented routes (api-document.ts; a test keeps it current).
import openApiDocument from "./openapi.json" with { type: "json" };
import type { OwnerRevocation } from "../core/revocation/owner-revocation.js";
import { mountCredentialRevocation } from "./revoke-route.js";
import { mountStatus, type ServiceStatus } from "./status-route.js";

export interface VendAppOptions {
  readonly pipeline: VendPipeline;
  readonly verifier: IdentityVerifier;
  readonly logger?: Logger;
  /** DELETE /v1/credentials/{id}: a job revokes what it vended (absent: no such route). */
  readonly revocation?: OwnerRevocation;
  /** GET /v1/status: audience, issuers, workers' states (absent: no such route). */
  readonly status?: () => Promise<ServiceStatus>;
  /** Largest accepted request body; a vend request is a handful of scopes. */
  readonly maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;
const RETRY_AFTER_SECONDS = 5;

/** The vend function's HTTP API. Ports come in as options; lambda.ts builds the real ones. */
export function createVendApp(options: VendAppOptions): Hono {
  const logger = options.logger ?? silentLogger;
  const app = new Hono();
  app.onError(vendErrorHandler(logger));
  app.notFound(notFound);

  app.get("/healthz", (c) => c.json({ status: "ok" as const }, 200));

  // Where each vend's milliseconds go, on the answer (Server-Timing) and in the vend's log line.
  app.use("/v1/vend", serverTiming);
  app.use("/v1/aws/container-credentials", serverTiming);

  app.post("/v1/vend", async (c) => {
    const timer = stageTimer(c);
    // 415 before reading, 413 while reading, 400 on bad JSON; then the schema validates it.
    const input = validated(VendBody, await readJsonBody(c, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));
    // A cold start's worker verification and JWKS fetch, side by side rather than one after the other.
    options.pipeline.prefetchWorker(input);
    const claims = await timer.time("oidc", async () => options.verifier.verify(bearerToken(c)));
    const vended = await options.pipeline.vend(claims, input, timer);
    logVended(logger, vended, claims, timer.finish());
    c.header("Cache-Control", "no-store");
    return c.json(
      {
        credentialId: vended.credentialId,
        provider: vended.provider,
        scopes: [...vended.scopes],
        ttlSeconds: vended.ttlSeconds,
        expiresAt: vended.expiresAt,
        credential: { ...vended.credential },
        warnings: [...vended.warnings],
        notes: [...vended.notes],
      },
      200,
    );
  });

  mountContainerCredentials(app, { pipeline: options.pipeline, verifier: options.verifier, logger });
  if (options.status) mountStatus(app, options.status);
  if (options.revocation) mountCredentialRevocation(app, { revocation: options.revocation, verifier: options.verifier, logger });
  app.get("/openapi.json", (c) => c.json(openApiDocument, 200));
  return app;
}

/** The shared error shape, plus what only this app needs. */
function vendErrorHandler(logger: Logger): ErrorHandler {
  const onError = errorHandler(logger);
  return (err, c) => {
    // Hono's own errors (HTTPException): keep the one error shape for them too.
    if (err instanceof HTTPException)
      return c.json(errorBody(err.status === 415 ? "unsupported_media_type" : "invalid_request", err.message), err.status);
    // Nothing was vended and trying again may work (throttling, a worker restarting): say when.
    if (err instanceof CredvendError && err.kind === "unavailable") c.header("Retry-After", String(RETRY_AFTER_SECONDS));
    return onError(err, c);
  };
}
