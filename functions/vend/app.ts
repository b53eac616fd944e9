import { Hono } from "hono";
import type { IdentityVerifier } from "../core/ports/identity-verifier.js";
import { silentLogger, type Logger } from "../core/ports/logger.js";
import type { VendPipeline } from "../core/vend-pipeline.js";
import { bearerToken } from "../http/bearer-token.js";
import { errorHandler, notFound } from "../http/http-error.js";
import { readJsonBody } from "../http/json-body.js";
import { decodeVendBody } from "./vend-body.js";

export interface VendAppOptions {
  readonly pipeline: VendPipeline;
  readonly verifier: IdentityVerifier;
  readonly logger?: Logger;
  /** Largest accepted request body; a vend request is a handful of scopes. */
  readonly maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

/** The vend function's HTTP API. Ports come in as options; lambda.ts builds the real ones. */
export function createVendApp(options: VendAppOptions): Hono {
  const logger = options.logger ?? silentLogger;
  const app = new Hono();
  app.onError(errorHandler(logger));
  app.notFound(notFound);

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.post("/v1/vend", async (c) => {
    const input = decodeVendBody(await readJsonBody(c, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));
    const claims = await options.verifier.verify(bearerToken(c));
    const vended = await options.pipeline.vend(claims, input);
    logger.log("info", "vended", {
      credentialId: vended.credentialId,
      provider: vended.provider,
      scopes: vended.scopes,
      repository: claims.repository,
      runId: claims.run_id,
      expiresAt: vended.expiresAt,
    });
    c.header("Cache-Control", "no-store");
    return c.json({
      credentialId: vended.credentialId,
      provider: vended.provider,
      scopes: vended.scopes,
      ttlSeconds: vended.ttlSeconds,
      expiresAt: vended.expiresAt,
      credential: vended.credential,
      warnings: vended.warnings,
      notes: vended.notes,
    });
  });

  return app;
}
