// Request validation at the edge: a value a schema refuses is a 400 `invalid_request` whose
// message names each field (deduplicated, joined with "; "), in the API's one error shape.
import type * as z from "zod/mini";
import type { Context } from "hono";
import { HttpError } from "./http-error.js";

interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** The parsed value, or a 400 `invalid_request` naming what is wrong with it. */
export function validated<T extends z.ZodMiniType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const messages = [...new Set(result.error.issues.map(describeIssue))];
  throw new HttpError(400, "invalid_request", messages.join("; ") || "invalid request");
}

/** The query string as Hono's validator reads it: one value as a string, a repeated one as an array. */
export function queryOf(c: Context): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(c.req.queries()).map(([key, values]) => [key, values.length === 1 ? values[0]! : values]));
}

function describeIssue(issue: Issue): string {
  // Our messages already start with the field's name; zod's own ones get it prefixed.
  const field = issue.path.filter((p) => typeof p === "string").join(".");
  return field && !issue.message.startsWith(field) ? `${field}: ${issue.message}` : issue.message;
}
