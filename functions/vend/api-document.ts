// The OpenAPI document /openapi.json serves: the vend function's routes plus the webhooks
// function's. Build-time only: `npm run generate:openapi` (part of `npm run build`) writes it to
// openapi.json, which the vend function serves as it is; a test fails when that file is stale.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildOpenApiDocument } from "../http/openapi.js";
import { partnerRoute, secretScanningRoute } from "../webhooks/routes.js";
import { containerCredentialsRoute, healthRoute, openApiRoute, revokeRoute, statusRoute, vendRoute } from "./routes.js";

/** Every route either function serves, in the order the document lists them. */
const ROUTES = [
  healthRoute,
  statusRoute,
  vendRoute,
  revokeRoute,
  containerCredentialsRoute,
  openApiRoute,
  secretScanningRoute,
  partnerRoute,
];

export const OPENAPI_JSON_FILE = fileURLToPath(new URL("./openapi.json", import.meta.url));

export function apiDocument(): ReturnType<typeof buildOpenApiDocument> {
  return buildOpenApiDocument(ROUTES);
}

/** The file's exact text: the document as the function serves it (one line), plus a newline. */
export function apiDocumentText(): string {
  return `${JSON.stringify(apiDocument())}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(OPENAPI_JSON_FILE, apiDocumentText());
  console.log(`wrote ${OPENAPI_JSON_FILE}`);
}
