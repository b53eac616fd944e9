import { describe, expect, it } from "vitest";
import { providerManualRevocation } from "../../functions/webhooks/manual-revocation-urls.js";
import { makeRecord } from "../integration/ledger-contract.js";

describe("manual revocation URLs", () => {
  it.each([
    {
      case: "an AWS session: the role's Revoke sessions tab in its account",
      record: makeRecord({ provider: "aws", upstreamRef: "arn:aws:sts::123456789012:assumed-role/credvend-vend/cv-1234" }),
      url: "https://console.aws.amazon.com/iam/home?account=123456789012#/roles/details/credvend-vend?section=revoke_sessions",
    },
    { case: "an AWS ref of another shape: the roles list", record: makeRecord({ provider: "aws", upstreamRef: "weird" }), url: "https://console.aws.amazon.com/iam/home#/roles" },
    {
      case: "a GitHub token (the github worker's JSON ref)",
      record: makeRecord({ provider: "github", upstreamRef: JSON.stringify({ installationId: 77, owner: "acme", repositories: ["web"], permissions: {} }) }),
      url: "https://github.com/settings/installations/77",
    },
    { case: "a GitHub installation:<id> ref", record: makeRecord({ provider: "github", upstreamRef: "installation:4242" }), url: "https://github.com/settings/installations/4242" },
    { case: "a GitHub ref without an installation", record: makeRecord({ provider: "github", upstreamRef: "{}" }), url: "https://github.com/settings/installations" },
    { case: "a provider without a console", record: makeRecord({ provider: "local", upstreamRef: "x" }), url: undefined },
  ])("$case", ({ record, url }) => {
    expect(providerManualRevocation.urlFor(record)).toBe(url);
  });
});
