// cdk-nag's AwsSolutions checks on the full deployment: no unacknowledged finding, and each
// acknowledgement has its reason. Also proves the checks are live: one more unacknowledged
// resource fails synth.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { expect, test } from "vitest";
import { buildCredvendApp } from "../../infra/app.js";
import { fullConfig, synthesize, writeConfig } from "./infra-fixture.js";

interface Report {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: unknown[];
    suppressedViolations: { ruleName: string; reason: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

test("AwsSolutions: zero unacknowledged findings; every acknowledgement is specific and has a reason", async () => {
  const { app } = await synthesize(fullConfig());
  const report = JSON.parse(readFileSync(join(app.synth().directory, "validation-report.json"), "utf8")) as Report;
  const [nag] = report.pluginReports;
  expect(nag).toMatchObject({ pluginName: "AwsSolutions", conclusion: "success", violations: [] });
  const acknowledged = nag!.suppressedViolations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} ${c.constructPath}`));
  expect(acknowledged.sort()).toEqual([
    "AwsSolutions-IAM4[Policy::arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess] credvend-test/Worker-aws-sts/VendedRole/Role/Resource",
    "AwsSolutions-IAM5[Resource::*] credvend-test/Anomalies/Function/Role/DefaultPolicy/Resource",
    "AwsSolutions-SMG4 credvend-test/GithubSecrets/AppPrivateKey/Resource",
    "AwsSolutions-SMG4 credvend-test/GithubSecrets/WebhookSecret/Resource",
  ]);
  for (const violation of nag!.suppressedViolations) expect(violation.reason.length).toBeGreaterThan(40);
}, 60_000); // synthesizes and bundles every function (six since the sweeper)

test("an unacknowledged finding fails synth", async () => {
  const { app, stack } = await buildCredvendApp((await writeConfig(fullConfig())).path, { context: { "aws:cdk:bundling-stacks": [] } });
  new Secret(stack, "Unrotated");
  expect(() => app.synth()).toThrow(/credvend-test\/Unrotated\/Resource[\s\S]*AwsSolutions-SMG4/);
});
