import type { Claims } from "../../plugin-protocol/claims.js";
import type { Logger } from "../core/ports/logger.js";
import type { VendedCredential } from "../core/vend-pipeline.js";

/** One log line per vend: ids and scopes only, never the credential. */
export function logVended(logger: Logger, vended: VendedCredential, claims: Claims, via?: string): void {
  logger.log("info", "vended", {
    credentialId: vended.credentialId,
    provider: vended.provider,
    scopes: vended.scopes,
    repository: claims.repository,
    runId: claims.run_id,
    expiresAt: vended.expiresAt,
    ...(via ? { via } : {}),
  });
}
