// local-tokens' lambda.ts as deployed: table from LOCAL_TOKENS_TABLE, DynamoDB endpoint from the
// SDK's own AWS_ENDPOINT_URL_DYNAMODB, calls arriving as Function URL events.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { parseScope } from "../../plugin-protocol/scope.js";
import { ensureLocalTokensTable } from "../../plugin-workers/local-tokens/dynamodb-store.js";
import { localDynamoClient, startDynalite, type LocalDynamo } from "../support/dynalite.js";
import { VEND_ROLE_ARN, viaLambda } from "../unit/plugin-sdk-lambda-fetch.js";

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynalite();
  const client = localDynamoClient(dynamo.endpoint);
  await ensureLocalTokensTable(client, "lambda-tokens");
  client.destroy();
  vi.stubEnv("LOCAL_TOKENS_TABLE", "lambda-tokens");
  vi.stubEnv("CREDVEND_ALLOWED_CALLERS", JSON.stringify([VEND_ROLE_ARN]));
  vi.stubEnv("AWS_ENDPOINT_URL_DYNAMODB", dynamo.endpoint);
  vi.stubEnv("AWS_REGION", "us-east-1");
  vi.stubEnv("AWS_ACCESS_KEY_ID", "local");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "local");
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await dynamo.close();
});

describe("local-tokens Lambda handler", () => {
  it("vends and revokes against the table named in the environment", async () => {
    const { handler } = await import("../../plugin-workers/local-tokens/lambda.js");
    const client = new GrpcWebPluginClient({
      name: "local-tokens",
      baseUrl: "https://abc.lambda-url.eu-west-1.on.aws",
      fetch: viaLambda(handler, { base64: [] }),
    });
    const request = { scopes: [parseScope("local:write:deploys")], subject: { repository: "acme/web" }, ttlSeconds: 60 };
    const prepared = await client.prepare(request);
    const vended = await client.vend({ ...request, credentialId: "lambda-1", serialized: prepared.serialized!.serialized });
    expect(vended.credential.token).toMatch(/^cvd_/);
    const revoked = await client.revoke({ credentialId: "lambda-1", scopes: [], upstreamRef: "lambda-1", expiresAt: vended.expiresAt });
    expect(revoked.outcome).toBe("revoked");
  });
});
