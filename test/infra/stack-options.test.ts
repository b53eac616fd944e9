// The same stack with the optional parts left out: what is not configured is not deployed and
// not granted. One synthesized template for the file.
import { readFileSync } from "node:fs";
import { beforeAll, expect, test } from "vitest";
import { DEFAULT_MEMORY_MB } from "../../infra/config/memory-defaults.js";
import { synthesize, type Synthesized } from "./infra-fixture.js";
import { cfnText } from "./iam-statements.js";

const POLICY = `version: 1
audience: credvend
issuers: [https://token.actions.githubusercontent.com]
rules:
  - name: web
    when: { repository: acme/web }
    allow: ["local:read:*", "aws:s3-read:acme-assets"]
`;

let s: Synthesized;
beforeAll(async () => {
  s = await synthesize(
    {
      version: 1,
      stage: "lean",
      policy: "policy.yaml",
      oidc: { audience: "credvend", issuers: ["https://token.actions.githubusercontent.com"] },
      workers: [
        { name: "local-tokens", kind: "local-tokens", providers: ["local"], allowUnsigned: true },
        { name: "aws-sts", kind: "aws-sts", providers: ["aws"], allowUnsigned: true },
      ],
      webhooks: { enabled: false },
    },
    POLICY,
  );
});

const allActions = () =>
  Object.values(s.template.findResources("AWS::IAM::Policy")).flatMap((policy) =>
    (
      policy as { Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } } }
    ).Properties.PolicyDocument.Statement.flatMap((st) => [st.Action].flat()),
  );

test("without sessionRevocation no role may change any IAM policy, and the aws-sts worker has no lock table", () => {
  expect(allActions().filter((action) => action.startsWith("iam:"))).toEqual([]);
  expect(s.stack.kindResources.get("aws-sts")!.awsStsLockTable).toBeUndefined();
});

test("without webhooks: no webhooks function, no webhook outputs, only the vend URL is public", () => {
  expect(s.stack.webhooks).toBeUndefined();
  expect(Object.keys(s.template.findResources("AWS::Lambda::Function"))).toHaveLength(5); // vend, anomalies, 2 workers, introspection
  expect(Object.keys(s.template.toJSON().Outputs)).not.toContain("SecretScanningWebhookUrl");
  const urls = Object.values(s.template.findResources("AWS::Lambda::Url")) as { Properties: { AuthType: string } }[];
  expect(urls.map((u) => u.Properties.AuthType).sort()).toEqual(["AWS_IAM", "AWS_IAM", "AWS_IAM", "NONE"]);
});

test("without webhooks the workers accept the vend role only; with no invokers nobody else is granted introspection", () => {
  const resources = s.template.toJSON().Resources;
  const vendRole = cfnText(s.stack.resolve(s.stack.vend.role.roleArn));
  for (const w of s.stack.workers) {
    const env = resources[s.stack.getLogicalId(w.lambda.function.node.defaultChild as never)].Properties.Environment.Variables;
    expect(JSON.parse(cfnText(env.CREDVEND_ALLOWED_CALLERS))).toEqual([vendRole]);
  }
  const permissions = Object.values(s.template.findResources("AWS::Lambda::Permission")) as { Properties: { FunctionName: unknown } }[];
  expect(permissions.map((p) => p.Properties.FunctionName)).toEqual([
    s.stack.resolve(s.stack.vend.function.functionArn),
    s.stack.resolve(s.stack.vend.function.functionArn),
  ]);
});

test("without an email there is no subscription; without a ceiling the vended role has no permissions", () => {
  s.template.resourceCountIs("AWS::SNS::Subscription", 0);
  const vended = s.stack.kindResources.get("aws-sts")!.vendedRole!.role;
  const props = s.template.toJSON().Resources[s.stack.getLogicalId(vended.node.defaultChild as never)].Properties;
  expect(props.ManagedPolicyArns).toBeUndefined();
  expect(props.Policies).toBeUndefined();
  expect(props.PermissionsBoundary).toBeUndefined();
});

test("defaults: no reserved concurrency, each function's memory from memory-defaults.ts, 15 s, 90 days of logs, the default session cap of 1h", () => {
  const props = (fn: { node: { defaultChild?: unknown } }) =>
    s.template.toJSON().Resources[s.stack.getLogicalId(fn.node.defaultChild as never)].Properties;
  const fn = props(s.stack.vend.function);
  expect(fn).toMatchObject({ MemorySize: DEFAULT_MEMORY_MB.vend, Timeout: 15 });
  expect(props(s.stack.anomalies!.lambda.function)).toMatchObject({ MemorySize: DEFAULT_MEMORY_MB.anomalies, Timeout: 60 });
  for (const worker of s.stack.workers) expect(props(worker.lambda.function)).toMatchObject({ MemorySize: DEFAULT_MEMORY_MB.worker });
  expect(fn.ReservedConcurrentExecutions).toBeUndefined();
  for (const group of Object.values(s.template.findResources("AWS::Logs::LogGroup")))
    expect(group).toMatchObject({ Properties: { RetentionInDays: 90 } });
  const sts = s.stack.workers.find((w) => w.worker.name === "aws-sts")!;
  const env =
    s.template.toJSON().Resources[s.stack.getLogicalId(sts.lambda.function.node.defaultChild as never)].Properties.Environment.Variables;
  expect(env.CREDVEND_AWS_MAX_SESSION_SECONDS).toBe("3600");
  expect(env.CREDVEND_AWS_ROLES).toBeUndefined();
  expect(env.CREDVEND_AWS_REVOKE_SESSIONS).toBeUndefined();
  expect(env.CREDVEND_AWS_LOCK_TABLE).toBeUndefined();
});

test("unsigned workers are registered without a manifest, with allowUnsigned as configured (in credvend.workers.json of the code)", () => {
  const workers = JSON.parse(readFileSync(s.stack.workerManifests.from, "utf8")) as Record<string, Record<string, unknown>>;
  expect(Object.entries(workers).map(([name, w]) => [name, w.allowUnsigned, "manifest" in w])).toEqual([
    ["local-tokens", true, false],
    ["aws-sts", true, false],
  ]);
});
