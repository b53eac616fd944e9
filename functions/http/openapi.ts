// The OpenAPI 3.1 document of the whole HTTP API, built from route definitions (zod schemas with
// OpenAPI metadata). Build-time only: the functions serve the generated JSON and never import this.
import { OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";

export const OPENAPI_INFO = {
  title: "credvend",
  version: "0.1.0",
  description: "Short-lived, policy-narrowed credentials for CI pipelines, with leak response.",
};

/** One document for the routes of several functions (the vend and webhooks functions are separate Lambdas). */
export function buildOpenApiDocument(routes: readonly RouteConfig[]): ReturnType<OpenAPIHono["getOpenAPI31Document"]> {
  const app = new OpenAPIHono();
  const registry = app.openAPIRegistry;
  for (const route of routes) registry.registerPath(route);
  registry.registerComponent("securitySchemes", "githubOidc", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "The job's GitHub Actions OIDC token (audience: the policy's `audience`)",
  });
  return app.getOpenAPI31Document({ openapi: "3.1.0", info: OPENAPI_INFO });
}
