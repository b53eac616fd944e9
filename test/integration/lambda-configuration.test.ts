// The Lambda adapter against moto's Lambda: a signed worker deployed as signed verifies from one
// GetFunctionConfiguration; the same function after lambda:UpdateFunctionConfiguration alone
// (code untouched, so CodeSha256 still matches) is refused. Skips, saying why, without moto_server.
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  CreateFunctionCommand,
  LambdaClient,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
  type UpdateFunctionConfigurationCommandInput,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeSha256Of } from "../../functions/adapters/plugins/file-code-hash.js";
import { LambdaCodeHash } from "../../functions/adapters/plugins/lambda-code-hash.js";
import { LambdaConfigurationApi } from "../../functions/adapters/plugins/lambda-configuration-api.js";
import {
  CAPABILITIES,
  TrustStore,
  generateKeyPair,
  signManifest,
  verifyWorker,
  type WorkerVerdict,
} from "../../functions/core/plugin-trust/index.js";
import { deterministicZip } from "../../infra/deterministic-zip.js";
import { PLUGIN_PROTOCOL } from "../../plugin-protocol/protocol-version.js";
import { motoMissing, startMotoServer, type MotoServer } from "../support/moto-server.js";

// Skips with the reason where moto is absent; CI (CREDVEND_REQUIRE_MOTO=1) refuses to skip.
const skip = motoMissing();
const ZIP = deterministicZip([
  { name: "index.mjs", data: new TextEncoder().encode("export const handler = async () => ({ statusCode: 200 });\n") },
]);

const key = await generateKeyPair();
const signed = await signManifest(
  {
    name: "local-tokens",
    version: "0.1.0",
    protocol: PLUGIN_PROTOCOL,
    providers: ["local"],
    capabilities: [...CAPABILITIES],
    handler: "index.handler",
    runtime: "nodejs",
    environment: ["LOCAL_TOKENS_TABLE"],
    codeSha256: codeSha256Of(ZIP),
    signedAt: "2026-11-28T00:00:00.000Z",
  },
  key.privateKey,
  key.publicKey,
);

const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

describe.skipIf(skip !== undefined)(`Lambda configuration on moto${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let server: MotoServer;
  let lambda: LambdaClient;
  let api: LambdaConfigurationApi;
  let role: string;
  let count = 0;

  beforeAll(async () => {
    server = await startMotoServer();
    const options = { region: "eu-west-1", endpoint: server.endpoint, credentials: CREDENTIALS };
    lambda = new LambdaClient(options);
    // As the deployed functions call Lambda: one signed GET, no SDK client.
    api = new LambdaConfigurationApi({ region: "eu-west-1", endpoint: server.endpoint, credentials: async () => CREDENTIALS });
    const iam = new IAMClient(options);
    role = (await iam.send(new CreateRoleCommand({ RoleName: "worker", AssumeRolePolicyDocument: "{}" }))).Role!.Arn!;
    iam.destroy();
  });
  afterAll(async () => {
    lambda?.destroy();
    await server?.close();
  });

  async function deploy(name: string, variables: Record<string, string> = { LOCAL_TOKENS_TABLE: "credvend-tokens" }) {
    return lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: "nodejs22.x",
        Handler: "index.handler",
        Role: role,
        Code: { ZipFile: ZIP },
        Environment: { Variables: variables },
      }),
    );
  }

  /** A worker deployed as the stack deploys it, then changed by UpdateFunctionConfiguration only. */
  async function deployThenUpdate(update: Omit<UpdateFunctionConfigurationCommandInput, "FunctionName"> = {}): Promise<WorkerVerdict> {
    const name = `credvend-worker-${++count}`;
    await deploy(name);
    if (Object.keys(update).length > 0) await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, ...update }));
    const code = new LambdaCodeHash(api, name);
    expect((await code.configuration()).codeSha256).toBe(signed.manifest.codeSha256); // the code is untouched
    return verifyWorker({ name: "local-tokens", providers: ["local"], signed }, new TrustStore([key]), {
      deployedConfiguration: () => code.configuration(),
    });
  }

  it("verifies a worker deployed as signed", async () => {
    expect((await deployThenUpdate()).status).toBe("verified");
  });

  it("reads a published version through its qualified ARN in the path (no Qualifier parameter)", async () => {
    const name = `credvend-worker-${++count}`;
    const created = await deploy(name);
    const version = await lambda.send(new PublishVersionCommand({ FunctionName: name }));
    // The unpublished $LATEST changes; version 1 keeps what was published.
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Handler: "other.handler" }));
    const pinned = await new LambdaCodeHash(api, `${created.FunctionArn}:${version.Version}`).configuration();
    expect(pinned.lambda?.handler).toBe("index.handler");
    expect((await new LambdaCodeHash(api, created.FunctionArn!).configuration()).lambda?.handler).toBe("other.handler");
  });

  it("an unknown function is an error naming it, Lambda's status and error type", async () => {
    await expect(new LambdaCodeHash(api, "credvend-no-such-worker").configuration()).rejects.toThrow(
      "Lambda GetFunctionConfiguration for credvend-no-such-worker answered HTTP 404 (ResourceNotFoundException)",
    );
  });

  it("NODE_OPTIONS injected by UpdateFunctionConfiguration refuses the worker", async () => {
    const verdict = await deployThenUpdate({
      Environment: {
        Variables: { LOCAL_TOKENS_TABLE: "credvend-tokens", NODE_OPTIONS: "--import=data:text/javascript,globalThis.stolen=1" },
      },
    });
    expect(verdict).toEqual({
      status: "refused",
      reason: "configuration_mismatch",
      detail: "environment variable NODE_OPTIONS is set, which no worker may have",
    });
  });

  it("a layer attached by UpdateFunctionConfiguration refuses the worker", async () => {
    const layer = await lambda.send(new PublishLayerVersionCommand({ LayerName: "wrapper", Content: { ZipFile: ZIP } }));
    const verdict = await deployThenUpdate({ Layers: [layer.LayerVersionArn!] });
    expect(verdict).toMatchObject({ status: "refused", reason: "configuration_mismatch" });
    expect((verdict as { detail: string }).detail).toContain(layer.LayerVersionArn!);
  });

  it("AWS_LAMBDA_EXEC_WRAPPER and a variable outside the allowlist refuse the worker", async () => {
    const verdict = await deployThenUpdate({ Environment: { Variables: { AWS_LAMBDA_EXEC_WRAPPER: "/var/task/w", DEBUG: "1" } } });
    expect(verdict).toMatchObject({
      status: "refused",
      reason: "configuration_mismatch",
      detail:
        "environment variable AWS_LAMBDA_EXEC_WRAPPER is set, which no worker may have; environment variable DEBUG is not in the manifest's allowlist",
    });
  });

  it("another handler set by UpdateFunctionConfiguration refuses the worker", async () => {
    expect(await deployThenUpdate({ Handler: "other.handler" })).toMatchObject({
      status: "refused",
      reason: "configuration_mismatch",
      detail: 'handler "other.handler" is not the signed "index.handler"',
    });
  });

  it("another runtime set by UpdateFunctionConfiguration refuses the worker", async () => {
    expect(await deployThenUpdate({ Runtime: "python3.12" })).toMatchObject({
      status: "refused",
      reason: "configuration_mismatch",
      detail: 'runtime "python3.12" is not the signed "nodejs"',
    });
  });
});
