// The partner program's request: a JSON array of `{token, type, url, source}`. Tokens are hashed
// here, at the edge; the clear values go no further.
import type { LeakDetection } from "../core/leak/leak-detection.js";
import { tokenHash } from "../../plugin-protocol/token-hash.js";
import { HttpError } from "../http/http-error.js";

export interface PartnerMatch {
  readonly detection: LeakDetection;
  /** The `type` GitHub sent, echoed as `token_type`. */
  readonly tokenType: string;
}

const MAX_MATCHES = 1_000;

export function decodePartnerBatch(body: unknown): PartnerMatch[] {
  if (!Array.isArray(body)) throw invalid('body must be a JSON array of {"token","type","url","source"}');
  if (body.length > MAX_MATCHES) throw invalid(`at most ${MAX_MATCHES} matches per request`);
  return body.map((entry: unknown, i) => {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw invalid(`[${i}]: must be a JSON object`);
    const { token, type, url, source } = entry as Record<string, unknown>;
    if (typeof token !== "string" || token === "") throw invalid(`[${i}].token: must be a non-empty string`);
    for (const [name, value] of [
      ["type", type],
      ["url", url],
      ["source", source],
    ] as const) {
      if (value !== undefined && typeof value !== "string") throw invalid(`[${i}].${name}: must be a string`);
    }
    return {
      tokenType: typeof type === "string" ? type : "",
      detection: {
        tokenHash: tokenHash(token),
        source: {
          channel: "partner",
          ...(typeof url === "string" ? { url } : {}),
          ...(typeof type === "string" ? { secretType: type } : {}),
          ...(typeof source === "string" ? { location: source } : {}),
        },
      },
    };
  });
}

function invalid(message: string): HttpError {
  return new HttpError(400, "invalid_payload", message);
}
