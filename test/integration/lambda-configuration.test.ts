// The Lambda adapter against moto's Lambda: a signed worker deployed as signed verifies from one
// GetFunctionConfiguration; the same function after lambda:UpdateFunctionConfiguration alone
// (code untouched, so CodeSha256 still matches) is refused. Skips, saying why, without moto_server.
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  CreateFunctionCommand,
  LambdaClient,
  PublishLayerVersionCommand,
  UpdateFunctionConfigurationCommand,
  type UpdateFunctionConfigurationCommandInput,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeSha256Of } from "../../functions/adapters/plugins/file-code-hash.js";
import { LambdaCodeHash } from "../../functions/adapters/plugins/lambda-code-hash.js";
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

describe.skipIf(skip !== undefined)(`Lambda configuration on moto${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let server: MotoServer;
  let lambda: LambdaClient;
  let role: string;
  let count = 0;

  beforeAll(async () => {
    server = await startMotoServer();
    const options = { region: "eu-west-1", endpoint: server.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } };
    lambda = new LambdaClient(options);
    const iam = new IAMClient(options);
    role = (await iam.send(new CreateRoleCommand({ RoleName: "worker", AssumeRolePolicyDocument: "{}" }))).Role!.Arn!;
    iam.destroy();
  });
  afterAll(async () => {
    lambda?.destroy();
    await server?.close();
  });

  /** A worker deployed as the stack deploys it, then changed by UpdateFunctionConfiguration only. */
  async function deployThenUpdate(update: Omit<UpdateFunctionConfigurationCommandInput, "FunctionName"> = {}): Promise<WorkerVerdict> {
    const name = `credvend-worker-${++count}`;
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: "nodejs22.x",
        Handler: "index.handler",
        Role: role,
        Code: { ZipFile: ZIP },
        Environment: { Variables: { LOCAL_TOKENS_TABLE: "credvend-tokens" } },
      }),
    );
    if (Object.keys(update).length > 0) await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, ...update }));
    const code = new LambdaCodeHash(lambda, name);
    expect((await code.configuration()).codeSha256).toBe(signed.manifest.codeSha256); // the code is untouched
    return verifyWorker({ name: "local-tokens", providers: ["local"], signed }, new TrustStore([key]), {
      deployedConfiguration: () => code.configuration(),
    });
  }

  it("verifies a worker deployed as signed", async () => {
    expect((await deployThenUpdate()).status).toBe("verified");
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
