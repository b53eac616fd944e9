// What operators get from the stack: a secret per chat/webhook notifier, wired into every function
// that alerts, readable by exactly those functions, named in the outputs.
import { beforeAll, expect, test } from "vitest";
import { parseNotifiers } from "../../functions/adapters/config/notifier-config.js";
import type { CfnFunction } from "aws-cdk-lib/aws-lambda";
import { statementsOf } from "./iam-statements.js";
import { deployTimeValue, lambdaEnvironment } from "./lambda-environment.js";
import { fullConfig, synthesize, type Synthesized } from "./infra-fixture.js";

let s: Synthesized;
beforeAll(async () => {
  const config = fullConfig();
  s = await synthesize({
    ...config,
    notifications: {
      ...config.notifications,
      notifiers: [
        { name: "ops-chat", kind: "slack" },
        { name: "pager", kind: "webhook", minUrgency: "high" },
      ],
    },
  });
}, 180_000);

const secretIds = () => Object.keys(s.template.findResources("AWS::SecretsManager::Secret")).filter((id) => id.includes("Notifier"));

test("notifiers: one generated secret each, its name in the outputs (no destination in the template)", () => {
  expect(secretIds()).toHaveLength(2);
  s.template.hasResourceProperties("AWS::SecretsManager::Secret", {
    Description: "credvend: the incoming-webhook URL of notifier ops-chat (https://hooks.slack.com/services/...)",
    GenerateSecretString: { PasswordLength: 32, ExcludePunctuation: true },
  });
  const outputs = s.template.toJSON().Outputs as Record<string, { Value: unknown; Description: string }>;
  expect(outputs.NotifierSecretopschat?.Description).toBe("put the incoming-webhook URL here");
  const resources = s.template.toJSON().Resources as Parameters<typeof deployTimeValue>[0];
  expect(deployTimeValue(resources, outputs.NotifierSecretpager?.Value)).toBe("credvend/test/notifier-pager-51af3dc0");
});

test("notifiers: vend, webhooks and the sweeper get CREDVEND_NOTIFIERS, which the functions' parser accepts, and may read exactly those secrets", () => {
  for (const name of ["Vend", "Webhooks", "Sweeper"]) {
    const fn = s.stack.functions.get(name);
    const resources = s.template.toJSON().Resources as Parameters<typeof lambdaEnvironment>[0];
    const environment = lambdaEnvironment(resources, s.stack.getLogicalId(fn!.function.node.defaultChild as CfnFunction), "/var/task");
    expect(
      parseNotifiers(environment.CREDVEND_NOTIFIERS ?? "[]").map(({ name: n, kind, minUrgency }) => ({ n, kind, minUrgency })),
    ).toEqual([
      { n: "ops-chat", kind: "slack", minUrgency: "low" },
      { n: "pager", kind: "webhook", minUrgency: "high" },
    ]);
    const secrets = s.stack.notifierSecrets.secrets.map(({ secret }) => JSON.stringify(s.stack.resolve(secret.secretArn)));
    const readable = statementsOf(s.template, s.stack, fn!.role)
      .filter((st) => st.actions.includes("secretsmanager:GetSecretValue"))
      .flatMap((st) => st.resources.map((r) => JSON.stringify(r)));
    expect(readable, name).toEqual(expect.arrayContaining(secrets));
  }
  for (const [name, fn] of s.stack.functions) {
    if (["Vend", "Webhooks", "Sweeper"].includes(name)) continue;
    const granted = statementsOf(s.template, s.stack, fn.role).flatMap((st) => st.resources.map((r) => JSON.stringify(r)));
    expect(
      granted.some((r) => r.includes("NotifierSecrets")),
      name,
    ).toBe(false);
  }
});
