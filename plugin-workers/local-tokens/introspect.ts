// POST /introspect: RFC 7662-style token introspection for internal services. Every way a token
// can fail (bad checksum, unknown, expired, revoked) answers the same {"active":false}, so the
// endpoint tells a prober nothing; the token itself is never echoed or logged. On AWS it is served
// by a function of its own (serveIntrospection), so the services allowed to introspect can never
// reach the worker's gRPC service.
import { Hono, type Context } from "hono";
import { handle } from "hono/aws-lambda";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { systemClock, type Clock } from "../sdk/clock.js";
import type { PluginLambdaHandler } from "../sdk/serve-plugin.js";
import { tokenHash } from "../../plugin-protocol/token-hash.js";
import type { LocalTokenStore } from "./store.js";
import { hasValidChecksum } from "./token.js";

const MAX_BODY_BYTES = 4096;

export interface IntrospectionAnswer {
  readonly active: boolean;
  readonly scopes?: readonly string[];
  /** Expiry, epoch seconds. */
  readonly exp?: number;
  /** Issue time, epoch seconds. */
  readonly iat?: number;
  readonly credential_id?: string;
  readonly repository?: string;
}

export function introspectionRoutes(store: LocalTokenStore, clock: Clock): (app: Hono) => void {
  return (app) => {
    app.post(
      "/introspect",
      bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => fail(c, 413, "payload_too_large", "body too large") }),
      async (c) => {
        const contentType = c.req.header("content-type") ?? "";
        if (!/^application\/json\s*(;|$)/i.test(contentType)) {
          return fail(c, 415, "unsupported_media_type", "send application/json");
        }
        const token = readToken(await c.req.text());
        if (token === undefined) return fail(c, 400, "invalid_request", 'body must be JSON {"token": "<token>"}');
        let answer: IntrospectionAnswer;
        try {
          answer = await introspect(store, clock, token);
        } catch {
          return fail(c, 503, "unavailable", "token store unavailable");
        }
        c.header("cache-control", "no-store");
        return c.json(answer);
      },
    );
  };
}

/** Introspection alone, no gRPC service: /introspect and /healthz, and its Lambda handler. */
export function serveIntrospection(store: LocalTokenStore, clock: Clock = systemClock): { app: Hono; handler: PluginLambdaHandler } {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok", serves: "introspection" }));
  introspectionRoutes(store, clock)(app);
  return { app, handler: handle(app) };
}

export async function introspect(store: LocalTokenStore, clock: Clock, token: string): Promise<IntrospectionAnswer> {
  // The checksum spares the store a lookup for anything that was never one of our tokens.
  if (!hasValidChecksum(token)) return { active: false };
  const record = await store.findByHash(tokenHash(token));
  if (!record || record.revokedAt || record.expiresAt.getTime() <= clock.now().getTime()) return { active: false };
  return {
    active: true,
    scopes: [...record.scopes],
    exp: Math.floor(record.expiresAt.getTime() / 1000),
    iat: Math.floor(record.issuedAt.getTime() / 1000),
    credential_id: record.credentialId,
    repository: record.repository,
  };
}

function readToken(body: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const token = (value as { token?: unknown }).token;
  return typeof token === "string" && token.length > 0 ? token : undefined;
}

function fail(c: Context, status: ContentfulStatusCode, code: string, message: string): Response {
  c.header("cache-control", "no-store");
  return c.json({ error: { code, message } }, status);
}
