import type { Claims } from "../../plugin-protocol/claims.js";
import type { Logger } from "../core/ports/logger.js";
import type { StageTime } from "../core/timing/stage-timer.js";
import type { VendedCredential } from "../core/vend-pipeline.js";
import { timingFields } from "../http/server-timing.js";

/** One log line per vend: ids, scopes and the stages' milliseconds only, never the credential. */
export function logVended(logger: Logger, vended: VendedCredential, claims: Claims, stages: readonly StageTime[], via?: string): void {
  logger.log("info", "vended", {
    credentialId: vended.credentialId,
    provider: vended.provider,
    scopes: vended.scopes,
    repository: claims.repository,
    runId: claims.run_id,
    expiresAt: vended.expiresAt,
    // The same durations as the answer's Server-Timing header.
    timingMs: timingFields(stages),
    ...(via ? { via } : {}),
  });
}
