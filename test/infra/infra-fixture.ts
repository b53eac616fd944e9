// Deployment configs for the infra tests, written into a temp folder with their policy file and,
// for a signed worker, a zip with its manifest and signature. Synthesis skips bundling (context
// "aws:cdk:bundling-stacks": []), so a template costs ~2 s instead of an esbuild run per function.
import { PLUGIN_PROTOCOL } from "../../plugin-protocol/protocol-version.js";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { stringify } from "yaml";
import { CAPABILITIES, keyPairFromPrivate, signManifest } from "../../functions/core/plugin-trust/index.js";
import { buildCredvendApp, type CredvendApp } from "../../infra/app.js";
import type { DeploymentConfigInput } from "../../infra/config/schema.js";

/** The publisher the fixtures trust; a fixed seed, so configs are reproducible. */
export const PUBLISHER = await keyPairFromPrivate(new Uint8Array(32).fill(9));
export const PUBLISHER_KEY = { keyId: PUBLISHER.keyId, publicKey: Buffer.from(PUBLISHER.publicKey).toString("base64") };

export const FIXTURE_POLICY = `version: 1
audience: credvend
issuers: [https://token.actions.githubusercontent.com]
rules:
  - name: web
    when: { repository: acme/web, ref: refs/heads/main }
    allow: ["local:read:*", "aws:s3-read:acme-assets", "github:contents-read:acme/web"]
    maxTtl: 15m
`;

export const INTROSPECTING_ROLE_ARN = "arn:aws:iam::111122223333:role/billing-service";
export const NAMED_ROLE_ARN = "arn:aws:iam::111122223333:role/deploy-web";
export const CEILING_POLICY_ARN = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

/** Every kind of worker, the signed local-tokens zip, session revocation, webhooks, email. */
export function fullConfig(): DeploymentConfigInput {
  return {
    version: 1,
    stage: "test",
    env: { account: "111122223333", region: "eu-west-1" },
    policy: "policy.yaml",
    oidc: { audience: "credvend", issuers: ["https://token.actions.githubusercontent.com"] },
    trustedKeys: [PUBLISHER_KEY],
    workers: [
      {
        name: "local-tokens",
        kind: "local-tokens",
        providers: ["local"],
        package: { zip: "local-tokens/code.zip" },
        invokers: [INTROSPECTING_ROLE_ARN],
      },
      { name: "aws-sts", kind: "aws-sts", providers: ["aws"], allowUnsigned: true, settings: { reservedConcurrency: 5, memoryMb: 1536 } },
      { name: "github", kind: "github", providers: ["github"], allowUnsigned: true, environment: { LOG_LEVEL: "debug" } },
    ],
    // Every memory size unlike any default and any other: the template shows which entry each function follows.
    functions: {
      vend: { reservedConcurrency: 40, memoryMb: 1280 },
      webhooks: { reservedConcurrency: 8, memoryMb: 768 },
      sweeper: { memoryMb: 256 },
      poller: { memoryMb: 384 },
      anomalies: { memoryMb: 640 },
    },
    webhooks: { enabled: true },
    logRetentionDays: 30,
    notifications: { email: "oncall@example.com" },
    github: { appId: 4242, watchedRepositories: ["acme/*", "other/web"], alertPoller: { watch: ["acme", "other/web"], every: "5m" } },
    awsSts: {
      maxSessionDuration: "30m",
      sessionRevocation: true,
      managedPolicyArns: [CEILING_POLICY_ARN],
      namedRoles: { deploy: NAMED_ROLE_ARN },
    },
  };
}

export interface ConfigFolder {
  readonly dir: string;
  readonly path: string;
  /** base64 SHA-256 of the signed zip (Lambda's CodeSha256). */
  readonly codeSha256: string;
  readonly signature: string;
  readonly manifest: unknown;
}

/** What the fixture's local-tokens manifest signs about its configuration (as its plugin.json says). */
export const LOCAL_TOKENS_CONFIGURATION = {
  handler: "index.handler",
  runtime: "nodejs",
  environment: ["CREDVEND_ALLOWED_CALLERS", "LOCAL_TOKENS_TABLE"],
};

/** Writes the config, its policy, and local-tokens/code.zip signed by PUBLISHER (as `plugin sign` does). */
export async function writeConfig(
  config: DeploymentConfigInput | Record<string, unknown>,
  policy = FIXTURE_POLICY,
  signedConfiguration: Partial<typeof LOCAL_TOKENS_CONFIGURATION> = {},
): Promise<ConfigFolder> {
  const dir = mkdtempSync(join(tmpdir(), "credvend-infra-"));
  writeFileSync(join(dir, "policy.yaml"), policy);
  mkdirSync(join(dir, "local-tokens"));
  const zip = randomBytes(512);
  const codeSha256 = createHash("sha256").update(zip).digest("base64");
  const { manifest, signature } = await signManifest(
    {
      name: "local-tokens",
      version: "0.1.0",
      protocol: PLUGIN_PROTOCOL,
      providers: ["local"],
      capabilities: [...CAPABILITIES],
      ...LOCAL_TOKENS_CONFIGURATION,
      ...signedConfiguration,
      codeSha256,
      signedAt: "2026-11-23T00:00:00.000Z",
    },
    PUBLISHER.privateKey,
    PUBLISHER.publicKey,
  );
  writeFileSync(join(dir, "local-tokens", "code.zip"), zip);
  writeFileSync(join(dir, "local-tokens", "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, "local-tokens", "manifest.sig"), `${signature}\n`);
  const path = join(dir, "credvend.config.yaml");
  writeFileSync(path, stringify(config));
  return { dir, path, codeSha256, signature, manifest };
}

export interface Synthesized extends CredvendApp {
  readonly template: Template;
  readonly folder: ConfigFolder;
}

export async function synthesize(config: DeploymentConfigInput, policy = FIXTURE_POLICY): Promise<Synthesized> {
  const folder = await writeConfig(config, policy);
  const built = await buildCredvendApp(folder.path, {
    context: { "aws:cdk:bundling-stacks": [] },
    outdir: mkdtempSync(join(tmpdir(), "credvend-cdk-out-")),
  });
  return { ...built, folder, template: Template.fromStack(built.stack) };
}
