// Each broker function's composition root (compose.ts), as its lambda.ts calls it: a typed
// configuration in, every AWS adapter built from it, the SDK clients mocked at their boundary.
import { createHmac } from "node:crypto";
import { DynamoDBClient, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { awsFunctionAdapters } from "../../functions/adapters/aws-function-adapters.js";
import { loadFunctionConfig } from "../../functions/adapters/config/function-config.js";
import { composeVendFunction } from "../../functions/vend/compose.js";
import { composeWebhooksFunction } from "../../functions/webhooks/compose.js";
import { loadWebhooksConfig } from "../../functions/webhooks/webhooks-config.js";
import { SAMPLE_POLICY } from "../support/vend-fixture.js";
import { compiledPolicyJson } from "../../functions/core/policy/policy-yaml.js";

const AWS = { region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } };
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:credvend-alerts";

function clients() {
  const [dynamodb, lambda, sns] = [new DynamoDBClient(AWS), new LambdaClient(AWS), new SNSClient(AWS)];
  const mocks = [mockClient(dynamodb), mockClient(lambda), mockClient(sns)];
  return { clients: { dynamodb, lambda, sns }, calls: () => mocks.flatMap((mock) => mock.calls()) };
}

describe("composeVendFunction", () => {
  it("builds the vend app from its configuration, calling no AWS API until a request needs one", async () => {
    const aws = clients();
    const config = loadFunctionConfig({
      CREDVEND_LEDGER_TABLE: "ledger",
      CREDVEND_POLICY: compiledPolicyJson(SAMPLE_POLICY).json,
      CREDVEND_SNS_TOPIC_ARN: TOPIC,
      AWS_REGION: "eu-west-1",
    });
    const app = composeVendFunction(config, aws.clients);
    expect((await app.request("/healthz")).status).toBe(200);
    expect(aws.calls()).toEqual([]);
  });
});

describe("awsFunctionAdapters", () => {
  it("writes a vend's record, lookups and event in one TransactWriteItems: AWS DynamoDB has transactions", async () => {
    const aws = clients();
    const { ledger } = awsFunctionAdapters("credvend-vend", { ledgerTable: "ledger", awsRegion: "eu-west-1" }, aws.clients);
    const credentialId = "8b5f3c1e-0000-4000-8000-000000000001";
    const record = {
      credentialId,
      provider: "local",
      worker: "local-tokens",
      scopes: ["local:read:a"],
      subject: { repository: "acme/web" },
      issuedAt: "2031-01-01T10:00:00.000Z",
      expiresAt: "2031-01-01T10:15:00.000Z",
      revocable: true,
      upstreamRef: credentialId,
      tokenHashes: ["a".repeat(64)],
      state: "active",
    } as const;
    await ledger.recordVend(record, { eventId: "e1", type: "vend", at: record.issuedAt, credentialId });
    expect(aws.calls().map((call) => call.args[0].constructor)).toEqual([TransactWriteItemsCommand]);
  });
});

describe("composeWebhooksFunction", () => {
  it("accepts GitHub's ping signed with a configured secret, and refuses another signature", async () => {
    const secret = "a-webhook-secret-of-sufficient-length";
    const app = composeWebhooksFunction(
      loadWebhooksConfig({ CREDVEND_LEDGER_TABLE: "ledger", CREDVEND_WEBHOOK_SECRETS: secret, CREDVEND_SNS_TOPIC_ARN: TOPIC }),
      clients().clients,
    );
    const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
    const ping = (signature: string) =>
      app.request("/webhooks/github/secret-scanning", {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-github-event": "ping",
          "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
          "x-hub-signature-256": signature,
        },
      });
    expect((await ping(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`)).status).toBe(200);
    expect((await ping(`sha256=${"0".repeat(64)}`)).status).toBe(401);
  });
});
