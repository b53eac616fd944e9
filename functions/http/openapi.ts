// OpenAPI at the edge: the validation hook that keeps the API's one error shape for requests the
// zod schemas refuse, and one OpenAPI 3.1 document built from every app's route definitions.
import { OpenAPIHono, type Hook } from "@hono/zod-openapi";
import type { Env } from "hono";
import type { BlankEnv } from "hono/types";
import { errorBody } from "./http-error.js";

export const OPENAPI_INFO = {
  title: "credvend",
  version: "0.1.0",
  description: "Short-lived, policy-narrowed credentials for CI pipelines, with leak response.",
};

interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** `defaultHook` of every OpenAPIHono: a refused request is a 400 `invalid_request` naming the field. */
export const validationHook: Hook<unknown, Env, string, unknown> = (result, c) => {
  if (result.success) return undefined;
  const issues = (result.error as { issues?: readonly Issue[] }).issues ?? [];
  const messages = [...new Set(issues.map(describeIssue))];
  return c.json(errorBody("invalid_request", messages.join("; ") || "invalid request"), 400);
};

function describeIssue(issue: Issue): string {
  // Our messages already start with the field's name; zod's own ones get it prefixed.
  const field = issue.path.filter((p) => typeof p === "string").join(".");
  return field && !issue.message.startsWith(field) ? `${field}: ${issue.message}` : issue.message;
}

/** One document for several apps (the vend and webhooks functions are separate Lambdas). */
export function buildOpenApiDocument(
  apps: readonly (OpenAPIHono | OpenAPIHono<BlankEnv>)[],
): ReturnType<OpenAPIHono["getOpenAPI31Document"]> {
  const merged = new OpenAPIHono();
  // OpenAPIHono.route copies the mounted app's route definitions into `merged`'s registry.
  for (const app of apps) mount(merged, app);
  merged.openAPIRegistry.registerComponent("securitySchemes", "githubOidc", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "The job's GitHub Actions OIDC token (audience: the policy's `audience`)",
  });
  return merged.getOpenAPI31Document({ openapi: "3.1.0", info: OPENAPI_INFO });
}

function mount<E extends Env>(into: OpenAPIHono, app: OpenAPIHono<E>): void {
  into.route("/", app);
}
