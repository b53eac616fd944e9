// When the OIDC token refresher asks again: half the current token's remaining life, bounded, so
// a token read from the file always has time left; `exp` read from the JWT only to schedule.
import { describe, expect, it } from "vitest";
import { refreshDelay } from "../../cli/oidc-refresher.js";
import { jwtExpiryMs } from "../../cli/oidc-token-file.js";

const jwt = (payload: unknown) => `e30.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.sig`;

describe("refreshDelay", () => {
  const now = 1_000_000;
  it.each([
    { name: "a 5-minute token: after 2.5 minutes", expiresAt: now + 300_000, want: 150_000 },
    { name: "a 1-hour token: after 5 minutes at most", expiresAt: now + 3_600_000, want: 300_000 },
    { name: "a 4-second token: after 2 seconds", expiresAt: now + 4_000, want: 2_000 },
    { name: "an expired token: after 1 second", expiresAt: now - 10_000, want: 1_000 },
    { name: "no exp: every minute", expiresAt: undefined, want: 60_000 },
  ])("$name", ({ expiresAt, want }) => {
    expect(refreshDelay(expiresAt, now)).toBe(want);
  });
});

describe("jwtExpiryMs", () => {
  it.each([
    { name: "exp in seconds → ms", token: jwt({ exp: 1_800_000_000 }), want: 1_800_000_000_000 },
    { name: "no exp", token: jwt({ iat: 1 }), want: undefined },
    { name: "exp not a number", token: jwt({ exp: "soon" }), want: undefined },
    { name: "not a JWT", token: "opaque", want: undefined },
    { name: "payload not JSON", token: "a.b.c", want: undefined },
  ])("$name", ({ token, want }) => {
    expect(jwtExpiryMs(token)).toBe(want);
  });
});
