import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { CredvendError, type ErrorKind } from "../core/errors.js";
import type { Logger } from "../core/ports/logger.js";

// The one error shape of the HTTP API: {"error":{"code":"snake_case","message":"human text"}}.

const STATUS: Record<ErrorKind, ContentfulStatusCode> = {
  invalid_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  upstream_failed: 502,
  unavailable: 503,
  timeout: 504,
};

/** An error raised at the edge with an explicit status (413, 415, ...). */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/** Hono `onError`: known errors keep their message; anything else is a generic 500. */
export function errorHandler(logger: Logger) {
  return (err: Error, c: Context): Response => {
    if (err instanceof HttpError) return c.json(errorBody(err.code, err.message), err.status);
    if (err instanceof CredvendError) {
      const status = STATUS[err.kind];
      if (status === 401) c.header("WWW-Authenticate", 'Bearer realm="credvend"');
      logger.log(status >= 500 ? "error" : "info", "request failed", {
        path: c.req.path,
        status,
        code: err.code,
        error: err,
        cause: err.cause instanceof Error ? err.cause : undefined,
      });
      return c.json(errorBody(err.code, err.message), status);
    }
    logger.log("error", "unexpected error", { path: c.req.path, error: err });
    return c.json(errorBody("internal_error", "internal error"), 500);
  };
}

export function notFound(c: Context): Response {
  return c.json(errorBody("not_found", `no route for ${c.req.method} ${c.req.path}`), 404);
}
