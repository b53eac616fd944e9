import { describe, expect, it } from "vitest";
import { formatScope, parseScope, ScopeSyntaxError } from "../../plugin-protocol/scope.js";

describe("parseScope", () => {
  it.each([
    ["aws:s3-read:my-bucket", { provider: "aws", action: "s3-read", resource: "my-bucket" }],
    ["aws:s3-write:my-bucket/builds/*", { provider: "aws", action: "s3-write", resource: "my-bucket/builds/*" }],
    ["github:contents-read:acme/web", { provider: "github", action: "contents-read", resource: "acme/web" }],
    ["local:read:*", { provider: "local", action: "read", resource: "*" }],
    // Resources keep further colons: ARNs contain them.
    ["aws:role:arn:aws:iam::123456789012:role/x", { provider: "aws", action: "role", resource: "arn:aws:iam::123456789012:role/x" }],
  ])("parses %s", (text, want) => {
    expect(parseScope(text)).toEqual(want);
    expect(formatScope(parseScope(text))).toBe(text);
  });

  it.each([
    ["", "expected provider:action:resource"],
    ["aws", "expected provider:action:resource"],
    ["aws:s3-read", "expected provider:action:resource"],
    ["aws:s3-read:", "resource is empty"],
    ["AWS:s3-read:b", "provider must be"],
    [":s3-read:b", "provider must be"],
    ["aws::b", "action must be"],
    ["aws:S3_read:b", "action must be"],
    ["aws:s3-read:my bucket", "printable ASCII"],
    ["aws:s3-read:bücket", "printable ASCII"],
    [`aws:s3-read:${"a".repeat(600)}`, "longer than 512"],
  ])("rejects %j", (text, reason) => {
    expect(() => parseScope(text)).toThrow(ScopeSyntaxError);
    expect(() => parseScope(text)).toThrow(reason);
  });

  it("truncates a long scope in its error message", () => {
    const error = (() => {
      try {
        parseScope(`aws:S3:${"x".repeat(200)}`);
      } catch (err) {
        return err as Error;
      }
      throw new Error("expected a throw");
    })();
    expect(error.message.length).toBeLessThan(160);
  });
});
