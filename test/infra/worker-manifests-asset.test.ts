// Issue #21 finding 8 (manifests rode in the vend function's environment, so Lambda's 4 KB limit
// stopped a deployment at about five signed workers): twelve signed workers synthesize, every core
// function's environment stays far under 4 KB, the manifests ship in credvend.workers.json of the
// code, and the vend and webhooks functions' own config readers find and verify every worker from it.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CfnFunction } from "aws-cdk-lib/aws-lambda";
import { Template } from "aws-cdk-lib/assertions";
import { stringify } from "yaml";
import { beforeAll, describe, expect, test } from "vitest";
import { loadFunctionConfig } from "../../functions/adapters/config/function-config.js";
import { CAPABILITIES, signManifest, verifyWorker } from "../../functions/core/plugin-trust/index.js";
import { loadLeakResponseConfig } from "../../functions/leak-response/leak-response-config.js";
import { buildCredvendApp, type CredvendApp } from "../../infra/app.js";
import { PLUGIN_PROTOCOL } from "../../plugin-protocol/protocol-version.js";
import { FIXTURE_POLICY, fullConfig, PUBLISHER, writeConfig } from "./infra-fixture.js";
import { lambdaEnvironment } from "./lambda-environment.js";

const SIGNED_CUSTOM_WORKERS = 12;
let built: CredvendApp;
let template: Template;
/** Where the test stages the function's code folder (/var/task on Lambda). */
let taskRoot = "";
const codeHashes = new Map<string, string>();

beforeAll(async () => {
  const folder = await writeConfig(fullConfig(), FIXTURE_POLICY);
  const custom = [];
  for (let i = 0; i < SIGNED_CUSTOM_WORKERS; i++) {
    const name = `acme-widgets-${i}`;
    mkdirSync(join(folder.dir, name));
    const zip = randomBytes(256);
    const codeSha256 = createHash("sha256").update(zip).digest("base64");
    codeHashes.set(name, codeSha256);
    const { manifest, signature } = await signManifest(
      {
        name,
        version: "1.0.0",
        protocol: PLUGIN_PROTOCOL,
        providers: [`acme${i}`],
        capabilities: [...CAPABILITIES],
        handler: "index.handler",
        runtime: "nodejs",
        environment: ["CREDVEND_ALLOWED_CALLERS", "ACME_ENDPOINT", "ACME_TIMEOUT_MS"],
        codeSha256,
        signedAt: "2026-11-23T00:00:00.000Z",
      },
      PUBLISHER.privateKey,
      PUBLISHER.publicKey,
    );
    writeFileSync(join(folder.dir, name, "code.zip"), zip);
    writeFileSync(join(folder.dir, name, "manifest.json"), JSON.stringify(manifest));
    writeFileSync(join(folder.dir, name, "manifest.sig"), signature);
    custom.push({ name, kind: "custom", providers: [`acme${i}`], package: { zip: `${name}/code.zip`, handler: "index.handler" } });
  }
  const config = fullConfig();
  writeFileSync(folder.path, stringify({ ...config, workers: [...config.workers, ...custom] }));
  built = await buildCredvendApp(folder.path, {
    context: { "aws:cdk:bundling-stacks": [] },
    outdir: mkdtempSync(join(tmpdir(), "credvend-cdk-out-")),
  });
  template = Template.fromStack(built.stack);
  // Stage the code folder as Lambda would unpack it: the files the stack ships beside index.mjs.
  taskRoot = mkdtempSync(join(tmpdir(), "credvend-task-root-"));
  copyFileSync(built.stack.workerManifests.from, join(taskRoot, "credvend.workers.json"));
  writeFileSync(join(taskRoot, "credvend.policy.json"), built.config.policyJson);
}, 120_000);

const environmentOf = (name: string) => {
  const fn = built.stack.functions.get(name)!;
  const resources = template.toJSON().Resources as Parameters<typeof lambdaEnvironment>[0];
  return lambdaEnvironment(resources, built.stack.getLogicalId(fn.function.node.defaultChild as CfnFunction), taskRoot);
};

describe("manifests in the code asset: a deployment with twelve signed workers", () => {
  test("synthesizes, with a Lambda and a Function URL per worker", () => {
    template.resourceCountIs("AWS::Lambda::Url", 3 + SIGNED_CUSTOM_WORKERS + 3); // workers, introspection, vend, webhooks
    expect(built.stack.workers.filter((w) => w.worker.signed)).toHaveLength(SIGNED_CUSTOM_WORKERS + 1);
  });

  test.each(["Vend", "Webhooks", "Sweeper", "Poller"])(
    "%s: its environment, deploy-time values filled in, stays under Lambda's 4 KB",
    (name) => {
      const environment = environmentOf(name);
      // The stand-in for a function's name (Ref) is its ARN; a real name is at most 64 characters: count that.
      const workers = (JSON.parse(environment.CREDVEND_WORKERS!) as object[]).map((w) => ({ ...w, functionName: "f".repeat(64) }));
      const sized = { ...environment, CREDVEND_WORKERS: JSON.stringify(workers) };
      const bytes = Object.entries(sized).reduce((sum, [key, value]) => sum + key.length + value.length, 0);
      expect(bytes).toBeLessThan(4096);
      expect(environment.CREDVEND_WORKERS).not.toContain("manifest");
      expect(environment.CREDVEND_WORKERS).not.toContain("providers");
    },
  );

  test("the vend function's config reader takes every manifest from the asset, and each verifies against the deployed code", async () => {
    const config = loadFunctionConfig(environmentOf("Vend"));
    const signed = config.workers.filter((w) => w.signed);
    expect(signed.map((w) => w.name).sort()).toEqual(["local-tokens", ...[...codeHashes.keys()]].sort());
    for (const worker of signed.filter((w) => codeHashes.has(w.name))) {
      const verdict = await verifyWorker(worker, config.trustedKeys, {
        deployedConfiguration: async () => ({ codeSha256: codeHashes.get(worker.name)! }),
      });
      expect(verdict, worker.name).toMatchObject({ status: "verified", manifest: { name: worker.name } });
    }
  });

  test.each(["Sweeper", "Poller"])("the leak-response functions (%s, as webhooks) read the same registrations", (name) => {
    // The App's key, as lambda.ts puts it after reading the secret the environment names.
    const config = loadLeakResponseConfig({ ...environmentOf(name), CREDVEND_GITHUB_APP_PRIVATE_KEY: "-----BEGIN PRIVATE KEY-----" });
    expect(config.workers).toEqual(loadFunctionConfig(environmentOf("Vend")).workers);
  });
});
