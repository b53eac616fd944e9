// local-tokens' lambda.ts as deployed: table from LOCAL_TOKENS_TABLE, DynamoDB endpoint from the
// SDK's own AWS_ENDPOINT_URL_DYNAMODB, calls arriving as Function URL events; the same code as the
// introspection function (LOCAL_TOKENS_MODE=introspection), which serves no gRPC at all.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { parseScope } from "../../plugin-protocol/scope.js";
import { composeLocalTokensLambda } from "../../plugin-workers/local-tokens/compose.js";
import { loadLocalTokensConfig } from "../../plugin-workers/local-tokens/config.js";
import { ensureLocalTokensTable } from "../../plugin-workers/local-tokens/dynamodb-store.js";
import { ConfigError, type PluginLambdaHandler } from "../../plugin-workers/sdk/index.js";
import { localDynamoClient, startDynalite, type LocalDynamo } from "../support/dynalite.js";
import { functionUrlEvent, VEND_ROLE_ARN, VEND_SESSION_ARN, viaLambda } from "../unit/plugin-sdk-lambda-fetch.js";

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

const INVOKER_SESSION = "arn:aws:sts::123456789012:assumed-role/billing-service/billing";

async function post(handler: PluginLambdaHandler, path: string, caller: string, body: string, contentType: string) {
  const request = new Request(`https://abc.lambda-url.eu-west-1.on.aws${path}`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
  return handler(await functionUrlEvent(request, caller));
}

describe("workers mint credentials for any caller: introspection is its own function", () => {
  const env = (mode: string) => ({
    LOCAL_TOKENS_TABLE: "lambda-tokens",
    LOCAL_TOKENS_MODE: mode,
    CREDVEND_ALLOWED_CALLERS: JSON.stringify([VEND_ROLE_ARN]),
  });

  it("the introspection function answers /introspect and serves no gRPC method, whoever calls", async () => {
    const client = localDynamoClient(dynamo.endpoint);
    try {
      const worker = composeLocalTokensLambda(loadLocalTokensConfig(env("worker")), client);
      const introspection = composeLocalTokensLambda(loadLocalTokensConfig(env("introspection")), client);
      const core = new GrpcWebPluginClient({
        name: "local-tokens",
        baseUrl: "https://abc.lambda-url.eu-west-1.on.aws",
        fetch: viaLambda(worker, { base64: [] }),
      });
      const request = { scopes: [parseScope("local:read:billing")], subject: { repository: "acme/web" }, ttlSeconds: 60 };
      const prepared = await core.prepare(request);
      const vended = await core.vend({ ...request, credentialId: "introspected-1", serialized: prepared.serialized!.serialized });

      const answer = await post(
        introspection,
        "/introspect",
        INVOKER_SESSION,
        JSON.stringify({ token: vended.credential.token }),
        "application/json",
      );
      expect(answer.statusCode).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ active: true, credential_id: "introspected-1" });
      for (const method of ["Describe", "Prepare", "Vend", "Revoke"]) {
        const grpc = await post(
          introspection,
          `/credvend.plugin.v1.PluginService/${method}`,
          VEND_SESSION_ARN,
          "",
          "application/grpc-web+proto",
        );
        expect([method, grpc.statusCode]).toEqual([method, 404]);
      }
      // And the worker's own URL no longer serves /introspect.
      expect(
        (await post(worker, "/introspect", INVOKER_SESSION, JSON.stringify({ token: vended.credential.token }), "application/json"))
          .statusCode,
      ).toBe(404);
    } finally {
      client.destroy();
    }
  });

  it("an introspecting service calling the worker's URL gets 403 on Vend and Revoke", async () => {
    const client = localDynamoClient(dynamo.endpoint);
    try {
      const worker = composeLocalTokensLambda(loadLocalTokensConfig(env("worker")), client);
      vi.spyOn(console, "warn").mockImplementation(() => undefined);
      for (const method of ["Vend", "Revoke"]) {
        expect(
          (await post(worker, `/credvend.plugin.v1.PluginService/${method}`, INVOKER_SESSION, "", "application/grpc-web+proto")).statusCode,
        ).toBe(403);
      }
      expect(console.warn).toHaveBeenCalledWith(`credvend plugin: refused Vend from ${INVOKER_SESSION}: not one of the allowed callers`);
    } finally {
      vi.restoreAllMocks();
      client.destroy();
    }
  });

  it("an unknown LOCAL_TOKENS_MODE or a malformed CREDVEND_ALLOWED_CALLERS fails the cold start", () => {
    expect(() => loadLocalTokensConfig({ ...env("both") })).toThrow(
      new ConfigError('LOCAL_TOKENS_MODE: "both" is neither worker nor introspection'),
    );
    expect(() => loadLocalTokensConfig({ ...env("worker"), CREDVEND_ALLOWED_CALLERS: "*" })).toThrow(
      /CREDVEND_ALLOWED_CALLERS: not valid JSON/,
    );
    expect(loadLocalTokensConfig({ LOCAL_TOKENS_TABLE: "t" })).toEqual({ tableName: "t", mode: "worker", allowedCallers: [] });
  });
});
