// What leaves the account in a chat or webhook alert, and CREDVEND_NOTIFIERS' checks.
import { describe, expect, it } from "vitest";
import { parseNotifiers } from "../../functions/adapters/config/notifier-config.js";
import { redactSecrets } from "../../functions/adapters/notify/redact-secrets.js";
import { slackMessage } from "../../functions/adapters/notify/slack-webhook-notifier.js";

describe("redactSecrets: a token that slipped into an alert never leaves it", () => {
  const cases: { name: string; text: string; leaked: string }[] = [
    { name: "local-tokens", text: "token cvd_9f8e7d6c5b4a39281706f5e4", leaked: "cvd_9f8e7d6c5b4a39281706f5e4" },
    {
      name: "GitHub installation token",
      text: "ghs_16C7e42F292c6912E7710c838347Ae178B4a",
      leaked: "ghs_16C7e42F292c6912E7710c838347Ae178B4a",
    },
    { name: "AWS access key id", text: "key ASIAIOSFODNN7EXAMPLE used", leaked: "ASIAIOSFODNN7EXAMPLE" },
    {
      name: "AWS secret key",
      text: "secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY!",
      leaked: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    },
    {
      name: "AWS session token",
      text: `s=${"IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD".repeat(3)}`,
      leaked: "IQoJb3JpZ2luX2VjEJr",
    },
    {
      name: "an OIDC token",
      text: "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmFjbWUvd2ViIn0.c2lnbmF0dXJl",
      leaked: "eyJhbGciOiJSUzI1NiJ9",
    },
  ];
  for (const { name, text, leaked } of cases) {
    it(`masks ${name}`, () => {
      expect(redactSecrets(text)).not.toContain(leaked);
      expect(redactSecrets(text)).toContain("[redacted]");
    });
  }

  it("keeps what an operator needs: token hashes, git SHAs, ids, URLs, scopes", () => {
    const text =
      "hash 9b74c9897bac770ffc029102a200c5de9b74c9897bac770ffc029102a200c5de sha 6dcb09b5b57875f334f61aebed695e2e4193db5e " +
      "id 586e48ff-aa2f-4a44-b12f-70a0c5bf3218 https://github.com/acme/web/security/secret-scanning/3 aws:s3-write:acme-web-assets/builds/*";
    expect(redactSecrets(text)).toBe(text);
  });

  it("the Slack message of an alert with a token in its title and details carries neither", () => {
    const message = JSON.stringify(
      slackMessage({
        urgency: "low",
        kind: "x",
        title: "leak of cvd_9f8e7d6c5b4a39281706f5e4",
        details: { token: "ghp_16C7e42F292c6912E7710c838347Ae178B4a" },
      }),
    );
    expect(message).not.toMatch(/cvd_9f8e|ghp_16C7/);
  });
});

describe("CREDVEND_NOTIFIERS", () => {
  it("parses the stack's JSON, minUrgency low by default", () => {
    expect(
      parseNotifiers(
        '[{"name":"ops","kind":"slack","secretId":"arn:x"},{"name":"pager","kind":"webhook","secretId":"arn:y","minUrgency":"high"}]',
      ),
    ).toEqual([
      { name: "ops", kind: "slack", secretId: "arn:x", minUrgency: "low" },
      { name: "pager", kind: "webhook", secretId: "arn:y", minUrgency: "high" },
    ]);
  });

  const bad: { text: string; message: string }[] = [
    { text: "{", message: "CREDVEND_NOTIFIERS: not valid JSON" },
    { text: "{}", message: "must be a JSON array" },
    { text: '[{"name":"ops","kind":"email","secretId":"a"}]', message: "CREDVEND_NOTIFIERS[0].kind: must be one of slack, webhook" },
    { text: '[{"name":"ops","kind":"slack"}]', message: "CREDVEND_NOTIFIERS[0].secretId: required" },
    { text: '[{"name":"ops","kind":"slack","secretId":"a","minUrgency":"urgent"}]', message: "minUrgency: must be low or high" },
    { text: '[{"name":"a","kind":"slack","secretId":"a"},{"name":"a","kind":"webhook","secretId":"b"}]', message: '"a" is used twice' },
  ];
  for (const { text, message } of bad) {
    it(`refuses ${text}`, () => expect(() => parseNotifiers(text)).toThrow(message));
  }
});
