import type { Context } from "hono";
import { HttpError } from "./http-error.js";

/**
 * The caller's token from `Authorization`. `Bearer ` is optional because the AWS SDKs' container
 * credentials provider sends the token as the whole header value.
 */
export function bearerToken(c: Context): string {
  const header = c.req.header("authorization")?.trim();
  if (!header) throw unauthenticated(c, "missing_token", "Authorization: Bearer <OIDC token> is required");
  const token = header.replace(/^bearer\s+/i, "").trim();
  if (token === "" || /\s/.test(token)) throw unauthenticated(c, "invalid_token", "invalid or expired token");
  return token;
}

function unauthenticated(c: Context, code: string, message: string): HttpError {
  c.header("WWW-Authenticate", 'Bearer realm="credvend"');
  return new HttpError(401, code, message);
}
