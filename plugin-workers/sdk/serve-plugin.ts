// servePlugin(impl): a Hono app that speaks gRPC-web only (the protocol the core uses), plus
// /healthz and any routes the worker adds, and the Lambda handler for a Function URL. Every gRPC
// call is checked against its caller first (caller-check.ts); /healthz and added routes are not.
import { createConnectRouter } from "@connectrpc/connect";
import { createFetchHandler } from "@connectrpc/connect/protocol";
import { Hono, type Context } from "hono";
import { handle } from "hono/aws-lambda";
import { readCapped } from "../../plugin-protocol/read-capped.js";
import { PluginService } from "../../proto/gen/credvend/plugin/v1/plugin_pb.js";
import { createCallerCheck, type CallerAuthentication, type CallerRefusal } from "./caller-check.js";
import type { PluginImplementation } from "./plugin-implementation.js";
import { createPluginService, type PluginErrorReporter } from "./plugin-service.js";

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface ServePluginOptions extends CallerAuthentication {
  /** Largest accepted request body, in bytes. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Adds the worker's own HTTP routes (local-tokens adds /introspect). */
  readonly routes?: (app: Hono) => void;
  /** Where unexpected errors go; the caller only ever sees a generic message. */
  readonly onError?: PluginErrorReporter;
  /** Where a refused gRPC call is logged, with its caller. Default: console.warn. */
  readonly onCallerRefused?: (refusal: CallerRefusal & { readonly method: string }) => void;
}

export type PluginLambdaHandler = ReturnType<typeof handle>;

export interface ServedPlugin {
  readonly app: Hono;
  readonly handler: PluginLambdaHandler;
}

const GRPC_WEB_CONTENT_TYPE = "application/grpc-web+proto";
const RESOURCE_EXHAUSTED = "8";
const PERMISSION_DENIED = "7";
const REFUSED_MESSAGE = "this worker accepts calls from the credvend core only";

const defaultReporter: PluginErrorReporter = (error, method) => {
  console.error(`credvend plugin: ${method} failed`, error);
};

const defaultRefusalLog = ({ method, caller, reason }: CallerRefusal & { method: string }) => {
  console.warn(`credvend plugin: refused ${method} from ${caller}: ${reason}`);
};

export function servePlugin(impl: PluginImplementation, options: ServePluginOptions = {}): ServedPlugin {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const router = createConnectRouter({ grpcWeb: true, grpc: false, connect: false, readMaxBytes: maxBodyBytes });
  router.service(PluginService, createPluginService(impl, options.onError ?? defaultReporter));
  const handlers = new Map(router.handlers.map((h) => [h.requestPath, createFetchHandler(h)]));
  const checkCaller = createCallerCheck(options);
  const logRefusal = options.onCallerRefused ?? defaultRefusalLog;

  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok", name: impl.name, version: impl.version }));
  const tooLarge = (c: Context) =>
    // A gRPC-web "trailers-only" answer, so clients read a status rather than a bare HTTP 413.
    c.body(null, 200, {
      "content-type": GRPC_WEB_CONTENT_TYPE,
      "grpc-status": RESOURCE_EXHAUSTED,
      "grpc-message": encodeURIComponent(`request body larger than ${maxBodyBytes} bytes`),
    });
  const refuse = (c: Context, refusal: CallerRefusal) => {
    logRefusal({ ...refusal, method: c.req.path.slice(c.req.path.lastIndexOf("/") + 1) });
    // HTTP 403 with the gRPC status too: a gRPC-web client reads PERMISSION_DENIED and the
    // message, anyone else the JSON error. Nothing of the request has been read.
    return c.json({ error: { code: "permission_denied", message: REFUSED_MESSAGE } }, 403, {
      "grpc-status": PERMISSION_DENIED,
      "grpc-message": encodeURIComponent(REFUSED_MESSAGE),
    });
  };
  app.post(`/${PluginService.typeName}/*`, async (c) => {
    const refusal = checkCaller(c);
    if (refusal) return refuse(c, refusal);
    const handler = handlers.get(c.req.path);
    if (!handler) return c.notFound();
    const declared = c.req.header("content-length");
    if (declared !== undefined) {
      // HTTP framing holds the body to its declared length: checking the header is enough.
      return Number(declared) > maxBodyBytes ? tooLarge(c) : handler(c.req.raw);
    }
    // A chunked body (Node's http client, other languages) is read under the cap first.
    const body = await readCapped(c.req.raw.body, maxBodyBytes);
    if (!body) return tooLarge(c);
    return handler(new Request(c.req.url, { method: "POST", headers: new Headers(c.req.raw.headers), body }));
  });
  options.routes?.(app);
  return { app, handler: handle(app) };
}
