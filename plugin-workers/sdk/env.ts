// One typed reader for a function's environment, used by the workers and by the broker's
// functions alike. A schema (a zod object keyed by variable name) describes each variable once;
// every problem becomes a ConfigError naming the variable, in our words: zod's own text never
// reaches a message, and neither does a variable's value unless the schema's message puts it there.
// zod/mini keeps the reader a few KiB inside a worker's bundle.
import * as z from "zod/mini";

export type Env = Readonly<Record<string, string | undefined>>;

/** A function's configuration is wrong; the message names the variable (and field) at fault. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const NOT_SET = "is not set";

/** Reads `env` through `schema` at cold start; the first problem throws a ConfigError. */
export function readEnv<T extends z.core.$ZodType>(schema: T, env: Env = process.env): z.output<T> {
  const result = z.safeParse(schema, env, { error: unexplained });
  if (result.success) return result.data;
  throw new ConfigError(describe(result.error.issues[0]!));
}

/** A variable that must be set and not blank. */
export function required(): z.ZodMiniString<string> {
  return z.string().check(z.refine((value) => value.trim() !== "", NOT_SET));
}

/** A whole number from `min` to `max`, `fallback` when unset; read with Number() (" 200 " is 200). */
export function wholeNumber(range: { readonly fallback: number; readonly min: number; readonly max: number }, message: string) {
  return z
    .pipe(z._default(z.string(), String(range.fallback)), z.transform(Number))
    .check(z.refine((n: number) => Number.isInteger(n) && n >= range.min && n <= range.max, message));
}

/**
 * A transform for a value that needs a parser of its own (JSON, globs, a file). The parser throws
 * ConfigError naming the variable and the field itself (`CREDVEND_WORKERS[0].url: ...`), so its
 * message is kept word for word.
 */
export function parsedBy<I, O>(parse: (input: I) => O): z.ZodMiniTransform<O, I> {
  return z.transform((input: I, payload) => {
    try {
      return parse(input);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      payload.issues.push({ code: "custom", message: error.message, input, params: { verbatim: true } });
      return z.NEVER;
    }
  });
}

/** A check for variables that come together: once one is set, each of the others must be too. */
export function together<T extends object>(...names: readonly (keyof T & string)[]): z.core.$ZodCheck<T> {
  return z.superRefine((env: T, payload) => {
    const value = (name: keyof T) => env[name] as string | undefined;
    if (!names.some((name) => value(name))) return;
    for (const name of names)
      if (!value(name)?.trim()) payload.addIssue({ code: "custom", path: [name], message: NOT_SET, input: undefined });
  });
}

/** What a problem no schema put into words says: never zod's text, never the value. */
function unexplained(issue: z.core.$ZodRawIssue): string {
  return issue.input === undefined ? NOT_SET : "has an invalid value";
}

function describe(issue: z.core.$ZodIssue): string {
  const variable = issue.path.map(String).join(".");
  if (variable === "" || (issue.code === "custom" && issue.params?.verbatim === true)) return issue.message;
  return issue.message === NOT_SET ? `${variable} ${NOT_SET}` : `${variable}: ${issue.message}`;
}
