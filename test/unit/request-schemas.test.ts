// The function validates requests with zod/mini (request-schemas.ts); /openapi.json documents the
// classic zod schemas of routes.ts. Both must accept and refuse the same requests with the same
// messages, or the document would describe an API the function does not serve.
import { describe, expect, it } from "vitest";
import * as documented from "../../functions/vend/routes.js";
import { ContainerCredentialsQuery, RevokeParams, VendBody } from "../../functions/vend/request-schemas.js";

type Outcome = { ok: true; data: unknown } | { ok: false; messages: string[] };

function outcome(result: { success: boolean; data?: unknown; error?: { issues: readonly { message: string }[] } }): Outcome {
  return result.success
    ? { ok: true, data: result.data }
    : { ok: false, messages: [...new Set(result.error!.issues.map((i) => i.message))] };
}

const scopes = (n: number) => Array.from({ length: n }, (_, i) => `aws:s3-read:bucket-${i}`);

const BODIES: { name: string; body: unknown }[] = [
  { name: "scopes only", body: { scopes: ["local:read:billing"] } },
  { name: "scopes and ttl", body: { scopes: ["local:read:billing"], ttlSeconds: 600 } },
  { name: "the longest ttl", body: { scopes: ["a:b:c"], ttlSeconds: 43_200 } },
  { name: "the most scopes", body: { scopes: scopes(20) } },
  { name: "too many scopes", body: { scopes: scopes(21) } },
  { name: "no scopes", body: { scopes: [] } },
  { name: "scopes missing", body: { ttlSeconds: 600 } },
  { name: "scopes not an array", body: { scopes: "local:read:billing" } },
  { name: "a scope not a string", body: { scopes: ["a:b:c", 7] } },
  { name: "ttl too short", body: { scopes: ["a:b:c"], ttlSeconds: 59 } },
  { name: "ttl too long", body: { scopes: ["a:b:c"], ttlSeconds: 43_201 } },
  { name: "ttl fractional", body: { scopes: ["a:b:c"], ttlSeconds: 600.5 } },
  { name: "ttl a string", body: { scopes: ["a:b:c"], ttlSeconds: "600" } },
  { name: "ttl null", body: { scopes: ["a:b:c"], ttlSeconds: null } },
  { name: "unknown fields", body: { scopes: ["a:b:c"], ttl: 600, extra: true } },
  { name: "unknown field and a bad ttl", body: { scopes: ["a:b:c"], ttlSeconds: 1, other: 1 } },
  { name: "an identity", body: { scopes: ["a:b:c"], identity: "release" } },
  { name: "the longest identity (63)", body: { scopes: ["a:b:c"], identity: `r${"x".repeat(62)}` } },
  { name: "identity of 64 characters", body: { scopes: ["a:b:c"], identity: `r${"x".repeat(63)}` } },
  { name: "identity with ..", body: { scopes: ["a:b:c"], identity: "../release" } },
  { name: "identity with /", body: { scopes: ["a:b:c"], identity: "acme/release" } },
  { name: "identity upper case", body: { scopes: ["a:b:c"], identity: "Release" } },
  { name: "identity starting with a dash", body: { scopes: ["a:b:c"], identity: "-release" } },
  { name: "identity empty", body: { scopes: ["a:b:c"], identity: "" } },
  { name: "identity not a string", body: { scopes: ["a:b:c"], identity: 7 } },
  { name: "an array", body: [{ scopes: ["a:b:c"] }] },
  { name: "null", body: null },
  { name: "a string", body: "scopes" },
];

const QUERIES: { name: string; query: Record<string, string | string[]> }[] = [
  { name: "one scope", query: { scope: "aws:s3-read:b" } },
  { name: "several scopes", query: { scope: ["aws:s3-read:b", "aws:s3-write:c"] } },
  { name: "a ttl", query: { scope: "aws:s3-read:b", ttlSeconds: "900" } },
  { name: "no scope", query: {} },
  { name: "too many scopes", query: { scope: scopes(21) } },
  { name: "ttl not a number", query: { scope: "aws:s3-read:b", ttlSeconds: "soon" } },
  { name: "ttl fractional", query: { scope: "aws:s3-read:b", ttlSeconds: "900.5" } },
  { name: "ttl out of range", query: { scope: "aws:s3-read:b", ttlSeconds: "10" } },
  { name: "ttl repeated", query: { scope: "aws:s3-read:b", ttlSeconds: ["900", "600"] } },
];

describe("request validators agree with the documented schemas", () => {
  it.each(BODIES)("POST /v1/vend body: $name", ({ body }) => {
    expect(outcome(VendBody.safeParse(body))).toEqual(outcome(documented.VendBody.safeParse(body)));
  });

  it.each(QUERIES)("GET /v1/aws/container-credentials query: $name", ({ query }) => {
    expect(outcome(ContainerCredentialsQuery.safeParse(query))).toEqual(outcome(documented.ContainerCredentialsQuery.safeParse(query)));
  });

  it.each([
    { name: "a uuid", params: { credentialId: "586e48ff-aa2f-4a44-b12f-70a0c5bf3218" } },
    { name: "128 characters", params: { credentialId: "a".repeat(128) } },
    { name: "129 characters", params: { credentialId: "a".repeat(129) } },
  ])("DELETE /v1/credentials/{credentialId}: $name", ({ params }) => {
    expect(outcome(RevokeParams.safeParse(params))).toEqual(outcome(documented.RevokeParams.safeParse(params)));
  });

  it("refuses with the documented messages (a check that compared two empty answers would pass anything)", () => {
    expect(outcome(VendBody.safeParse({ scopes: [], ttlSeconds: 1, x: 1 }))).toEqual({
      ok: false,
      messages: [
        "scopes: must be a non-empty array of at most 20 strings",
        "ttlSeconds: must be a whole number from 60 to 43200 (the policy may narrow it further)",
        "unknown field(s): x (expected scopes, ttlSeconds, identity)",
      ],
    });
  });
});
