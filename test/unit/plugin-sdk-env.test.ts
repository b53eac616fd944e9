// The one environment reader (plugin-workers/sdk/env.ts) on a schema of its own: typed values,
// and every problem a ConfigError that names its variable in our words, never zod's, never a value.
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { ConfigError, parsedBy, readEnv, required, together, wholeNumber, type Env } from "../../plugin-workers/sdk/index.js";

const SECRET = "s3cr3t-value-that-must-never-be-printed";

function parseList(text: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) throw new ConfigError("EXAMPLE_LIST: must be a JSON array");
  return value.map(String);
}

const schema = z.pipe(
  z
    .object({
      EXAMPLE_TABLE: required(),
      EXAMPLE_TIMEOUT_MS: wholeNumber(
        { fallback: 5000, min: 100, max: 60_000 },
        "must be a whole number of milliseconds from 100 to 60000",
      ),
      EXAMPLE_LIST: z.pipe(z._default(z.string(), "[]"), parsedBy(parseList)),
      EXAMPLE_URL: z._default(z.string().check(z.regex(/^https?:\/\//, "must be an http(s) URL")), "https://example.test"),
      EXAMPLE_SECRET: z.optional(z.string().check(z.minLength(16, "must be at least 16 characters"))),
      EXAMPLE_MODE: z.optional(z.enum(["fast", "safe"])),
      EXAMPLE_APP_ID: z.optional(z.string()),
      EXAMPLE_APP_KEY: z.optional(z.string()),
    })
    .check(together("EXAMPLE_APP_ID", "EXAMPLE_APP_KEY")),
  z.transform((env) => ({ table: env.EXAMPLE_TABLE, timeoutMs: env.EXAMPLE_TIMEOUT_MS, list: env.EXAMPLE_LIST, url: env.EXAMPLE_URL })),
);

const BASE = { EXAMPLE_TABLE: "table" };

function problem(env: Env): string {
  try {
    readEnv(schema, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error("expected a ConfigError");
}

describe("readEnv", () => {
  it("reads typed values, with the defaults of unset variables", () => {
    expect(readEnv(schema, BASE)).toEqual({ table: "table", timeoutMs: 5000, list: [], url: "https://example.test" });
    expect(readEnv(schema, { ...BASE, EXAMPLE_TIMEOUT_MS: " 200 ", EXAMPLE_LIST: '["a"]', EXAMPLE_URL: "http://x" })).toEqual({
      table: "table",
      timeoutMs: 200,
      list: ["a"],
      url: "http://x",
    });
  });

  it("ignores variables the schema does not name", () => {
    expect(readEnv(schema, { ...BASE, PATH: "/bin", UNRELATED: SECRET })).toMatchObject({ table: "table" });
  });

  it.each([
    { name: "a missing variable", env: {}, message: "EXAMPLE_TABLE is not set" },
    { name: "a blank variable", env: { EXAMPLE_TABLE: "  " }, message: "EXAMPLE_TABLE is not set" },
    {
      name: "a number out of range",
      env: { ...BASE, EXAMPLE_TIMEOUT_MS: "60001" },
      message: "EXAMPLE_TIMEOUT_MS: must be a whole number of milliseconds from 100 to 60000",
    },
    {
      name: "a number that is not whole",
      env: { ...BASE, EXAMPLE_TIMEOUT_MS: "1.5" },
      message: "EXAMPLE_TIMEOUT_MS: must be a whole number of milliseconds from 100 to 60000",
    },
    {
      name: "a number that is empty",
      env: { ...BASE, EXAMPLE_TIMEOUT_MS: "" },
      message: "EXAMPLE_TIMEOUT_MS: must be a whole number of milliseconds from 100 to 60000",
    },
    { name: "a bad URL", env: { ...BASE, EXAMPLE_URL: "ftp://x" }, message: "EXAMPLE_URL: must be an http(s) URL" },
    { name: "a parser's own message, word for word", env: { ...BASE, EXAMPLE_LIST: "{}" }, message: "EXAMPLE_LIST: must be a JSON array" },
    { name: "half of a pair", env: { ...BASE, EXAMPLE_APP_ID: "42" }, message: "EXAMPLE_APP_KEY is not set" },
    { name: "a value no message was written for", env: { ...BASE, EXAMPLE_MODE: "slow" }, message: "EXAMPLE_MODE: has an invalid value" },
  ])("$name: a ConfigError naming the variable", ({ env, message }) => {
    expect(problem(env)).toBe(message);
  });

  it("reports the first problem in the schema's order", () => {
    expect(problem({ EXAMPLE_TIMEOUT_MS: "x", EXAMPLE_URL: "ftp://x" })).toBe("EXAMPLE_TABLE is not set");
    expect(problem({ ...BASE, EXAMPLE_TIMEOUT_MS: "x", EXAMPLE_URL: "ftp://x" })).toMatch(/^EXAMPLE_TIMEOUT_MS: /);
  });

  it("never echoes a value, and never says it in zod's words", () => {
    for (const env of [
      { ...BASE, EXAMPLE_SECRET: SECRET.slice(0, 10) },
      { ...BASE, EXAMPLE_MODE: SECRET },
      { ...BASE, EXAMPLE_TIMEOUT_MS: SECRET },
      { ...BASE, EXAMPLE_URL: SECRET },
      { ...BASE, EXAMPLE_APP_KEY: SECRET },
    ]) {
      const message = problem(env);
      expect(message).toMatch(/^EXAMPLE_[A-Z_]+(:| is not set)/);
      expect(message).not.toContain(SECRET.slice(0, 10));
      expect(message).not.toMatch(/invalid input|expected|received|too small|option/i);
    }
  });

  it("lets an error that is not a ConfigError through as it is", () => {
    expect(() => readEnv(schema, { ...BASE, EXAMPLE_LIST: "not json" })).toThrow(SyntaxError);
  });

  it("reads process.env when given no environment", () => {
    const optional = z.object({ CREDVEND_READ_ENV_TEST_UNSET: z.optional(z.string()) });
    expect(readEnv(optional)).toEqual({});
  });
});
