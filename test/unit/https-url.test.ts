import { describe, expect, it } from "vitest";
import { httpsUrlProblem } from "../../functions/core/https-url.js";

describe("httpsUrlProblem", () => {
  it.each([
    "https://token.actions.githubusercontent.com",
    "https://vend.example.com/base",
    "http://127.0.0.1:8787",
    "http://127.255.0.9/dev-oidc",
    "http://localhost:8787",
    "http://LOCALHOST",
    "http://[::1]:8787",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://127.1",
  ])("accepts %s", (url) => {
    expect(httpsUrlProblem(url)).toBeUndefined();
  });

  it.each([
    ["http://token.actions.githubusercontent.com", "must use https"],
    ["http://10.0.0.1", "must use https"],
    ["http://128.0.0.1", "must use https"],
    ["http://127.0.0.1.evil.example", "must use https"],
    ["http://localhost.evil.example", "must use https"],
    ["http://127.0.0.1@evil.example/", "must use https"],
    ["http://[::ffff:127.0.0.1]/", "must use https"],
    ["http://0.0.0.0:8787", "must use https"],
    ["ftp://example.com", "not ftp"],
    ["file:///etc/passwd", "not file"],
    ["token.actions.githubusercontent.com", "must be an https URL"],
    ["https://exa mple.com", "must be an https URL"],
    ["", "must be an https URL"],
  ])("refuses %s", (url, want) => {
    expect(httpsUrlProblem(url)).toContain(want);
  });
});
