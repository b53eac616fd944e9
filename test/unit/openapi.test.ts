// /openapi.json: one OpenAPI 3.1 document for the whole HTTP API, generated at build time from the
// documented routes and served as it is. Every route either function serves must be in it, and
// the file shipped must be what the route definitions say today.
import { readFileSync } from "node:fs";
import type { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { MemoryLedger } from "../support/memory-ledger.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { apiDocument, apiDocumentText, OPENAPI_JSON_FILE } from "../../functions/vend/api-document.js";
import { composeWebhooksApp } from "../../functions/webhooks/compose.js";
import { createVendFixture } from "../support/vend-fixture.js";

interface Document {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: { content: Record<string, { schema: unknown }> };
        parameters?: { name: string; in: string }[];
        responses: Record<string, unknown>;
      }
    >
  >;
  components: {
    schemas: Record<string, { properties?: Record<string, unknown>; required?: string[]; additionalProperties?: unknown }>;
    securitySchemes: Record<string, unknown>;
  };
}

/** Every (method, path) an app answers, from Hono's route table; middleware (`use`) is not a route. */
function routesOf(app: { readonly routes: readonly { method: string; path: string }[] }): string[] {
  const routes = app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
  return [...new Set(routes)].sort();
}

function operationsOf(document: Document): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
    .sort();
}

async function servedDocument(): Promise<{ document: Document; vendApp: Hono }> {
  const fixture = await createVendFixture();
  const response = await fixture.app.request("/openapi.json");
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return { document: (await response.json()) as Document, vendApp: fixture.app };
}

describe("GET /openapi.json", () => {
  it("is OpenAPI 3.1 and lists every route of the vend app", async () => {
    const { document, vendApp } = await servedDocument();
    expect(document.openapi).toBe("3.1.0");
    const routes = routesOf(vendApp);
    expect(routes).toEqual([
      "delete /v1/credentials/{credentialId}",
      "get /healthz",
      "get /openapi.json",
      "get /v1/aws/container-credentials",
      "post /v1/vend",
    ]);
    for (const route of routes) expect(operationsOf(document)).toContain(route);
  });

  it("lists every route of the webhooks app, built as its Lambda builds it", async () => {
    const { document } = await servedDocument();
    const { app } = composeWebhooksApp({
      ledger: new MemoryLedger(),
      workers: [],
      notifier: { notify: async () => undefined },
      webhookSecrets: ["unused"],
      githubApiUrl: "http://127.0.0.1:9",
      logger: silentLogger,
    });
    const routes = routesOf(app);
    expect(routes.length).toBeGreaterThanOrEqual(2);
    for (const route of routes) expect(operationsOf(document)).toContain(route);
  });

  it("serves exactly the document the route definitions give (openapi.json is current: npm run generate:openapi)", async () => {
    expect(readFileSync(OPENAPI_JSON_FILE, "utf8")).toBe(apiDocumentText());
    const response = await (await createVendFixture()).app.request("/openapi.json");
    expect(await response.text()).toBe(JSON.stringify(apiDocument()));
  });

  it("describes the vend body with the schema that validates it", async () => {
    const { document } = await servedDocument();
    const body = document.paths["/v1/vend"]!.post!.requestBody!.content["application/json"]!.schema as { $ref: string };
    const schema = document.components.schemas[body.$ref.split("/").pop()!]!;
    expect(schema.required).toEqual(["scopes"]);
    expect(Object.keys(schema.properties ?? {})).toEqual(["scopes", "ttlSeconds", "identity"]);
    expect(schema.properties?.identity).toMatchObject({ type: "string", pattern: "^[a-z0-9][a-z0-9-]{0,62}$" });
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(document.paths["/v1/vend"]!.post!.responses)).toEqual(
      expect.arrayContaining(["200", "400", "401", "403", "413", "415", "502", "503", "504"]),
    );
    expect(document.components.securitySchemes).toHaveProperty("githubOidc");
    expect(document.paths["/v1/vend"]!.post!.responses["503"]).toMatchObject({
      headers: { "Retry-After": { schema: { type: "integer" } } },
    });
  });

  it("describes the container-credentials query and the AWS key names", async () => {
    const { document } = await servedDocument();
    const operation = document.paths["/v1/aws/container-credentials"]!.get!;
    expect(operation.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(["query:scope", "query:ttlSeconds"]);
    expect(Object.keys(document.components.schemas.AwsContainerCredentials!.properties ?? {})).toEqual([
      "AccessKeyId",
      "SecretAccessKey",
      "Token",
      "Expiration",
    ]);
  });

  it("documents the webhooks without building their ports", () => {
    expect(operationsOf(apiDocument() as unknown as Document).filter((operation) => operation.includes("/webhooks/"))).toEqual([
      "post /webhooks/github/secret-scanning",
      "post /webhooks/github/secret-scanning/partner",
    ]);
  });
});
