import { MAX_SCOPES_PER_REQUEST, type VendInput } from "../core/vend-request.js";
import { MAX_TTL_SECONDS, MIN_TTL_SECONDS } from "../core/policy/policy.js";
import { HttpError } from "../http/http-error.js";

const FIELDS = new Set(["scopes", "ttlSeconds"]);

/** The `POST /v1/vend` body: `{"scopes": [...], "ttlSeconds": 900}` (ttl optional). */
export function decodeVendBody(body: unknown): VendInput {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw bad('body must be a JSON object like {"scopes":["local:read:my-service"]}');
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) throw bad(`unknown field(s): ${unknown.join(", ")} (expected scopes, ttlSeconds)`);
  const { scopes, ttlSeconds } = fields;
  if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((s) => typeof s !== "string"))
    throw bad("scopes: must be a non-empty array of strings");
  if (scopes.length > MAX_SCOPES_PER_REQUEST) throw bad(`scopes: at most ${MAX_SCOPES_PER_REQUEST} scopes per request`);
  if (ttlSeconds === undefined) return { scopes: scopes as string[] };
  if (typeof ttlSeconds !== "number" || !Number.isInteger(ttlSeconds) || ttlSeconds < MIN_TTL_SECONDS || ttlSeconds > MAX_TTL_SECONDS)
    throw bad(`ttlSeconds: must be a whole number from ${MIN_TTL_SECONDS} to ${MAX_TTL_SECONDS} (the policy may narrow it further)`);
  return { scopes: scopes as string[], ttlSeconds };
}

function bad(message: string): HttpError {
  return new HttpError(400, "invalid_request", message);
}
