// The OpenAPI document /openapi.json serves: the vend function's routes plus the webhooks
// function's (a separate Lambda, so its route definitions are registered here, not its app).
import { OpenAPIHono } from "@hono/zod-openapi";
import { buildOpenApiDocument } from "../http/openapi.js";
import { partnerRoute, secretScanningRoute } from "../webhooks/routes.js";

export const WEBHOOK_ROUTES = [secretScanningRoute, partnerRoute] as const;

/** The webhooks routes, documented without building the webhooks function's ports. */
export function webhooksRouteDocs(): OpenAPIHono {
  const app = new OpenAPIHono();
  for (const route of WEBHOOK_ROUTES) app.openAPIRegistry.registerPath(route);
  return app;
}

export function apiDocument(vendApp: OpenAPIHono): ReturnType<typeof buildOpenApiDocument> {
  return buildOpenApiDocument([vendApp, webhooksRouteDocs()]);
}
