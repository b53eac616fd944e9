// Template tests of the full deployment (every worker kind, a signed worker, webhooks, session
// revocation): one synthesized template, one behaviour per test. Bundling is skipped; the bundled
// synth is test/infra/bundled-synth.test.ts.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Match } from "aws-cdk-lib/assertions";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { beforeAll, describe, expect, test } from "vitest";
import { LEDGER_TTL_ATTRIBUTE, ledgerTableDefinition } from "../../functions/adapters/ledger/dynamodb-ledger-table.js";
import { ALERTING_LOG_MESSAGES } from "../../infra/constructs/alarms.js";
import { REVOCATION_TABLE_KEY } from "../../plugin-workers/aws-sts/dynamodb-revocation-store.js";
import { DEFAULT_MEMORY_MB } from "../../infra/config/memory-defaults.js";
import { workerEnvironmentNames } from "../../infra/config/worker-environment.js";
import { POLICY_FILE, WORKER_MANIFESTS_FILE } from "../../infra/credvend-stack.js";
import { REPO_ROOT } from "../../infra/paths.js";
import {
  CEILING_POLICY_ARN,
  fullConfig,
  INTROSPECTING_ROLE_ARN,
  NAMED_ROLE_ARN,
  PUBLISHER_KEY,
  synthesize,
  type Synthesized,
} from "./infra-fixture.js";
import { cfnText, sortStatements, statement, statementsOf, type Statement } from "./iam-statements.js";
import { dependencyCycles } from "./template-dependencies.js";
import { deployTimeValue } from "./lambda-environment.js";

let s: Synthesized;
beforeAll(async () => {
  s = await synthesize(fullConfig());
});

const worker = (name: string) => s.stack.workers.find((w) => w.worker.name === name)!;
const introspection = () => s.stack.kindResources.get("local-tokens")!.introspection!;
const logical = (construct: { node: { defaultChild?: unknown } }) => s.stack.getLogicalId(construct.node.defaultChild as never);
const envOf = (construct: { node: { defaultChild?: unknown } }) =>
  (s.template.toJSON().Resources[logical(construct)].Properties.Environment.Variables ?? {}) as Record<string, unknown>;

describe("ledger table", () => {
  test("keys and indexes are exactly ledgerTableDefinition()'s", () => {
    const definition = ledgerTableDefinition("x");
    const table = s.template.toJSON().Resources[logical(s.stack.ledger.table)].Properties;
    const byName = (a: { AttributeName?: string }, b: { AttributeName?: string }) =>
      (a.AttributeName ?? "").localeCompare(b.AttributeName ?? "");
    expect(table.KeySchema).toEqual(definition.KeySchema);
    expect([...table.AttributeDefinitions].sort(byName)).toEqual([...definition.AttributeDefinitions!].sort(byName));
    expect(table.GlobalSecondaryIndexes).toEqual(
      definition.GlobalSecondaryIndexes!.map((index) => ({
        IndexName: index.IndexName,
        KeySchema: index.KeySchema,
        Projection: { ProjectionType: "ALL" },
      })),
    );
  });

  test("is pay-per-request, point-in-time recoverable, KMS-encrypted, with the ledger's TTL attribute", () => {
    s.template.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: ledgerTableDefinition("x").KeySchema,
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: LEDGER_TTL_ATTRIBUTE, Enabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  test("is retained when the stack is deleted", () => {
    expect(s.template.toJSON().Resources[logical(s.stack.ledger.table)]).toMatchObject({
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
    });
  });
});

describe("aws-sts lock table (sessionRevocation)", () => {
  test("its own table, keyed as the worker's store writes it: pay-per-request, point-in-time recoverable, encrypted", () => {
    const table = s.template.toJSON().Resources[logical(s.stack.kindResources.get("aws-sts")!.awsStsLockTable!.table)];
    expect(table).toMatchObject({
      Type: "AWS::DynamoDB::Table",
      DeletionPolicy: "Delete",
      Properties: {
        KeySchema: [{ AttributeName: REVOCATION_TABLE_KEY, KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: REVOCATION_TABLE_KEY, AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
    expect(logical(s.stack.kindResources.get("aws-sts")!.awsStsLockTable!.table)).not.toBe(logical(s.stack.ledger.table));
  });
});

describe("least privilege: every statement of every role", () => {
  const callWorkers = (): Statement[] =>
    s.stack.workers.flatMap((w) => {
      const fn = w.lambda.function.functionArn;
      return [
        statement(s.stack, ["lambda:InvokeFunctionUrl"], [fn], { StringEquals: { "lambda:FunctionUrlAuthType": "AWS_IAM" } }),
        statement(s.stack, ["lambda:InvokeFunction"], [fn], { Bool: { "lambda:InvokedViaFunctionUrl": true } }),
        statement(s.stack, ["lambda:GetFunctionConfiguration"], [fn]),
      ];
    });
  const publishAlerts = (): Statement[] => [
    statement(s.stack, ["sns:Publish"], [s.stack.alerts.topic.topicArn]),
    statement(s.stack, ["kms:Decrypt", "kms:GenerateDataKey"], [s.stack.alerts.key.keyArn]),
  ];
  const logs = (logGroupArn: string) => statement(s.stack, ["logs:CreateLogStream", "logs:PutLogEvents"], [logGroupArn]);

  test("vend: writes the ledger, reads and claims one credential (a job's own revoke), calls and checks the workers, publishes alerts", () => {
    const { vend, ledger } = s.stack;
    expect(sortStatements(statementsOf(s.template, s.stack, vend.role))).toEqual(
      sortStatements([
        logs(vend.logGroup.logGroupArn),
        statement(
          s.stack,
          ["dynamodb:BatchWriteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
          [ledger.table.tableArn],
        ),
        ...callWorkers(),
        ...publishAlerts(),
      ]),
    );
  });

  test("webhooks: reads and claims in the ledger, calls the workers, publishes alerts, reads its two secrets", () => {
    const { webhooks, ledger, secrets } = s.stack;
    expect(sortStatements(statementsOf(s.template, s.stack, webhooks!.role))).toEqual(
      sortStatements([
        logs(webhooks!.logGroup.logGroupArn),
        statement(
          s.stack,
          ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
          [ledger.table.tableArn],
        ),
        ...callWorkers(),
        ...publishAlerts(),
        statement(s.stack, ["secretsmanager:GetSecretValue"], [secrets.webhookSecret.secretArn, secrets.appPrivateKey.secretArn]),
      ]),
    );
  });

  test("sweeper and alert poller: the webhooks function's ledger access (+ the sweep index / pending alerts), workers, alerts, the App key; never the webhook secret", () => {
    const { sweeper, poller, ledger, secrets } = s.stack;
    expect(sortStatements(statementsOf(s.template, s.stack, sweeper!.role))).toEqual(
      sortStatements([
        logs(sweeper!.logGroup.logGroupArn),
        statement(
          s.stack,
          ["dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
          [ledger.table.tableArn],
        ),
        statement(s.stack, ["dynamodb:Query"], [`${ledger.table.tableArn}/index/bySweep`]),
        ...callWorkers(),
        ...publishAlerts(),
        statement(s.stack, ["secretsmanager:GetSecretValue"], [secrets.appPrivateKey.secretArn]),
      ]),
    );
    expect(sortStatements(statementsOf(s.template, s.stack, poller!.role))).toEqual(
      sortStatements([
        logs(poller!.logGroup.logGroupArn),
        statement(
          s.stack,
          ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
          [ledger.table.tableArn],
        ),
        ...callWorkers(),
        ...publishAlerts(),
        statement(s.stack, ["secretsmanager:GetSecretValue"], [secrets.appPrivateKey.secretArn]),
      ]),
    );
  });

  test("local-tokens worker: item access to its own table only", () => {
    const w = worker("local-tokens");
    const table = s.stack.kindResources.get("local-tokens")!.localTokensTable!.table;
    expect(sortStatements(statementsOf(s.template, s.stack, w.lambda.role))).toEqual(
      sortStatements([
        logs(w.lambda.logGroup.logGroupArn),
        statement(s.stack, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [table.tableArn]),
      ]),
    );
  });

  test("local-tokens introspection: reads its worker's token table (GetItem), nothing else", () => {
    const fn = introspection().lambda;
    const table = s.stack.kindResources.get("local-tokens")!.localTokensTable!.table;
    expect(sortStatements(statementsOf(s.template, s.stack, fn.role))).toEqual(
      sortStatements([logs(fn.logGroup.logGroupArn), statement(s.stack, ["dynamodb:GetItem"], [table.tableArn])]),
    );
  });

  test("aws-sts worker: assumes the vended and named roles with tags and source identity; Get/PutRolePolicy on the vended role only; item access to its lock table only", () => {
    const w = worker("aws-sts");
    const { vendedRole, awsStsLockTable } = s.stack.kindResources.get("aws-sts")!;
    const vended = vendedRole!.role;
    expect(sortStatements(statementsOf(s.template, s.stack, w.lambda.role))).toEqual(
      sortStatements([
        logs(w.lambda.logGroup.logGroupArn),
        statement(s.stack, ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"], [vended.roleArn, NAMED_ROLE_ARN]),
        statement(s.stack, ["iam:GetRolePolicy", "iam:PutRolePolicy"], [vended.roleArn]),
        // The lock (PutItem/DeleteItem) and the recorded sessions (UpdateItem/GetItem); no Scan, Query or index.
        statement(
          s.stack,
          ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
          [awsStsLockTable!.table.tableArn],
        ),
      ]),
    );
  });

  test("the aws-sts lock table: no other role may touch it, and the aws-sts worker may touch no other table", () => {
    const lockTable = s.stack.resolve(s.stack.kindResources.get("aws-sts")!.awsStsLockTable!.table.tableArn);
    const awsSts = worker("aws-sts").lambda.role;
    const roles = [s.stack.vend.role, s.stack.webhooks!.role, ...s.stack.workers.map((w) => w.lambda.role)];
    for (const role of roles) {
      const onLockTable = statementsOf(s.template, s.stack, role).filter((st) =>
        JSON.stringify(st.resources).includes(JSON.stringify(lockTable)),
      );
      expect(onLockTable.length > 0, role.node.path).toBe(role === awsSts);
    }
    const tables = statementsOf(s.template, s.stack, awsSts).filter((st) => st.actions.some((a) => a.startsWith("dynamodb:")));
    expect(tables.map((st) => st.resources)).toEqual([[lockTable]]);
  });

  test("github worker: reads the App key secret; item access to its token vault only", () => {
    const w = worker("github");
    const vault = s.stack.kindResources.get("github")!.tokenVault!;
    expect(sortStatements(statementsOf(s.template, s.stack, w.lambda.role))).toEqual(
      sortStatements([
        logs(w.lambda.logGroup.logGroupArn),
        statement(s.stack, ["secretsmanager:GetSecretValue"], [s.stack.secrets.appPrivateKey.secretArn]),
        statement(s.stack, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [vault.table.tableArn]),
      ]),
    );
  });

  test("the token vault key: only the github worker may seal and open, bound to a credential id; the account only administers", () => {
    const vault = s.stack.kindResources.get("github")!.tokenVault!;
    const statements = s.template.toJSON().Resources[logical(vault.key)].Properties.KeyPolicy.Statement as {
      Principal: unknown;
      Action: string[];
      Condition?: unknown;
    }[];
    const uses = statements.filter((st) => st.Action.some((a) => /^kms:(Encrypt|Decrypt|ReEncrypt|GenerateDataKey|\*)/.test(a)));
    expect(uses.map((st) => ({ ...st, Action: [...st.Action].sort() }))).toEqual([
      expect.objectContaining({
        Principal: { AWS: s.stack.resolve(worker("github").lambda.role.roleArn) },
        Action: ["kms:Decrypt", "kms:Encrypt"],
        Condition: {
          "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["credentialId"] },
          Null: { "kms:EncryptionContextKeys": "false" },
        },
      }),
    ]);
    s.template.hasResourceProperties("AWS::KMS::Key", {
      Description: Match.stringLikeRegexp("seals GitHub tokens"),
      EnableKeyRotation: true,
    });
  });

  test("no role has a managed policy except the vended role's configured ceiling", () => {
    const roles = s.template.findResources("AWS::IAM::Role");
    const withManaged = Object.entries(roles).filter(
      ([, role]) => (role as { Properties: { ManagedPolicyArns?: unknown[] } }).Properties.ManagedPolicyArns,
    );
    expect(withManaged.map(([id]) => id)).toEqual([logical(s.stack.kindResources.get("aws-sts")!.vendedRole!.role)]);
    expect(withManaged[0]![1]).toMatchObject({ Properties: { ManagedPolicyArns: [CEILING_POLICY_ARN] } });
  });

  test("the vended role trusts the aws-sts worker's role only, for AssumeRole, TagSession and SetSourceIdentity", () => {
    const vended = s.stack.kindResources.get("aws-sts")!.vendedRole!.role;
    const trust = s.template.toJSON().Resources[logical(vended)].Properties;
    const principal = { AWS: s.stack.resolve(worker("aws-sts").lambda.role.roleArn) };
    expect(trust.MaxSessionDuration).toBe(3600);
    // The worker may write this role's inline policy (session revocation): the boundary caps it.
    expect(trust.PermissionsBoundary).toBe(CEILING_POLICY_ARN);
    // One statement or several (CDK merges them under @aws-cdk/aws-iam:minimizePolicies): the same grant.
    const trusted = (
      trust.AssumeRolePolicyDocument.Statement as { Effect: string; Principal: unknown; Action: string | string[]; Condition?: unknown }[]
    ).flatMap((st) =>
      [st.Action].flat().map((action) => ({ Effect: st.Effect, Principal: st.Principal, Action: action, Condition: st.Condition })),
    );
    expect(trusted.sort((a, b) => a.Action.localeCompare(b.Action))).toEqual(
      ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"].map((Action) => ({
        Effect: "Allow",
        Principal: principal,
        Action,
        Condition: undefined,
      })),
    );
  });
});

describe("front doors", () => {
  test("every worker's Function URL requires AWS_IAM; vend and webhooks are public (they authenticate in the app)", () => {
    const urls = Object.values(s.template.findResources("AWS::Lambda::Url")) as {
      Properties: { AuthType: string; TargetFunctionArn: unknown };
    }[];
    const auth = new Map(urls.map((u) => [JSON.stringify(u.Properties.TargetFunctionArn), u.Properties.AuthType]));
    const arnOf = (fn: { functionArn: string }) => JSON.stringify(s.stack.resolve(fn.functionArn));
    expect(urls).toHaveLength(s.stack.workers.length + 3);
    for (const w of s.stack.workers) expect(auth.get(arnOf(w.lambda.function))).toBe("AWS_IAM");
    expect(auth.get(arnOf(introspection().lambda.function))).toBe("AWS_IAM");
    expect(auth.get(arnOf(s.stack.vend.function))).toBe("NONE");
    expect(auth.get(arnOf(s.stack.webhooks!.function))).toBe("NONE");
  });

  test("workers mint credentials for any caller: invokers are granted on the introspection URL only, never on a worker's gRPC URL", () => {
    const permissions = Object.values(s.template.findResources("AWS::Lambda::Permission")) as { Properties: Record<string, unknown> }[];
    const target = (p: { Properties: Record<string, unknown> }) => JSON.stringify(p.Properties.FunctionName);
    const workerArns = new Set(s.stack.workers.map((w) => JSON.stringify(s.stack.resolve(w.lambda.function.functionArn))));
    expect(permissions.filter((p) => workerArns.has(target(p)))).toEqual([]);
    const introspectionArn = s.stack.resolve(introspection().lambda.function.functionArn);
    // The core's own doors: the public URLs and the schedule's invocation of the sweeper.
    const publicDoors = new Set(
      [s.stack.vend, s.stack.webhooks!, s.stack.sweeper!, s.stack.poller!].map((fn) =>
        JSON.stringify(s.stack.resolve(fn.function.functionArn)),
      ),
    );
    expect(permissions.filter((p) => !publicDoors.has(target(p))).map((p) => p.Properties)).toEqual([
      {
        Action: "lambda:InvokeFunctionUrl",
        FunctionName: introspectionArn,
        FunctionUrlAuthType: "AWS_IAM",
        Principal: INTROSPECTING_ROLE_ARN,
      },
      { Action: "lambda:InvokeFunction", FunctionName: introspectionArn, InvokedViaFunctionUrl: true, Principal: INTROSPECTING_ROLE_ARN },
    ]);
  });

  test("workers mint credentials for any caller: each worker accepts exactly the vend, webhooks, sweeper and poller roles (CREDVEND_ALLOWED_CALLERS)", () => {
    const roleArn = (role: { roleArn: string }) => cfnText(s.stack.resolve(role.roleArn));
    for (const w of s.stack.workers) {
      const allowed = JSON.parse(cfnText(envOf(w.lambda.function).CREDVEND_ALLOWED_CALLERS)) as string[];
      expect([w.worker.name, allowed]).toEqual([
        w.worker.name,
        [roleArn(s.stack.vend.role), roleArn(s.stack.webhooks!.role), roleArn(s.stack.sweeper!.role), roleArn(s.stack.poller!.role)],
      ]);
    }
    expect(envOf(introspection().lambda.function)).not.toHaveProperty("CREDVEND_ALLOWED_CALLERS"); // it serves no gRPC
  });

  test("the workers naming the core's roles and the core naming the workers' URLs form no dependency cycle", () => {
    expect(dependencyCycles(s.template.toJSON() as never)).toEqual([]);
    expect(dependencyCycles({ Resources: { A: { Properties: { X: { "Fn::GetAtt": ["B", "Arn"] } } }, B: { DependsOn: "A" } } })).toEqual([
      ["A", "B", "A"],
    ]);
  });
});

describe("scheduled functions", () => {
  const ruleFor = (fn: { functionArn: string }) =>
    (
      Object.values(s.template.findResources("AWS::Events::Rule")) as {
        Properties: { ScheduleExpression: string; Targets: { Arn: unknown }[] };
      }[]
    ).find((rule) => JSON.stringify(rule.Properties.Targets[0]!.Arn) === JSON.stringify(s.stack.resolve(fn.functionArn)))?.Properties;

  test("the sweeper runs every minute, in 60 s, without reserved concurrency (a new account has none to give)", () => {
    expect(ruleFor(s.stack.sweeper!.function)).toMatchObject({ ScheduleExpression: "rate(1 minute)", State: "ENABLED" });
    const props = s.template.toJSON().Resources[logical(s.stack.sweeper!.function)].Properties;
    expect(props).toMatchObject({ Timeout: 60 });
    expect(props).not.toHaveProperty("ReservedConcurrentExecutions");
  });

  test("the alert poller runs at github.alertPoller.every over the watched names, with the App but no webhook secret", () => {
    expect(ruleFor(s.stack.poller!.function)).toMatchObject({ ScheduleExpression: "rate(5 minutes)", State: "ENABLED" });
    const env = envOf(s.stack.poller!.function);
    expect(env).toMatchObject({ CREDVEND_ALERT_POLL_WATCH: "acme,other/web", CREDVEND_GITHUB_APP_ID: "4242" });
    expect(env).toHaveProperty("CREDVEND_GITHUB_APP_PRIVATE_KEY_SECRET_ARN");
    for (const fn of [s.stack.poller!, s.stack.sweeper!]) {
      expect(envOf(fn.function)).not.toHaveProperty("CREDVEND_WEBHOOK_SECRETS_ARN");
      expect(envOf(fn.function)).not.toHaveProperty("CREDVEND_WATCHED_REPOSITORIES");
    }
  });
});

describe("functions", () => {
  test("all run arm64 on nodejs24.x with their configured memory and reserved concurrency", () => {
    const functions = Object.values(s.template.findResources("AWS::Lambda::Function")) as { Properties: Record<string, unknown> }[];
    expect(functions).toHaveLength(9); // vend, webhooks, sweeper, poller, anomalies, 3 workers, introspection
    for (const fn of functions) expect(fn.Properties).toMatchObject({ Runtime: "nodejs24.x", Architectures: ["arm64"] });
    const props = (c: { node: { defaultChild?: unknown } }) => s.template.toJSON().Resources[logical(c)].Properties;
    expect(props(s.stack.vend.function)).toMatchObject({ ReservedConcurrentExecutions: 40 });
    expect(props(s.stack.webhooks!.function)).toMatchObject({ ReservedConcurrentExecutions: 8 });
    expect(props(worker("aws-sts").lambda.function)).toMatchObject({ ReservedConcurrentExecutions: 5 });
  });

  test("each function's MemorySize is its own entry of the config (functions.*, workers[].settings), the rest their defaults", () => {
    const memory = Object.fromEntries(
      [...s.stack.functions].map(([name, fn]) => [name, s.template.toJSON().Resources[logical(fn.function)].Properties.MemorySize]),
    );
    expect(memory).toEqual({
      Vend: 1280,
      Webhooks: 768,
      Sweeper: 256,
      Poller: 384,
      Anomalies: 640,
      "Worker-local-tokens": DEFAULT_MEMORY_MB.worker,
      "Introspection-local-tokens": DEFAULT_MEMORY_MB.worker,
      "Worker-aws-sts": 1536,
      "Worker-github": DEFAULT_MEMORY_MB.worker,
    });
  });

  test("each function logs to its own log group with the configured retention, kept on delete", () => {
    const groups = s.template.findResources("AWS::Logs::LogGroup");
    expect(Object.keys(groups)).toHaveLength(9);
    for (const group of Object.values(groups))
      expect(group).toMatchObject({ Properties: { RetentionInDays: 30 }, DeletionPolicy: "Retain" });
    s.template.hasResourceProperties("AWS::Lambda::Function", {
      Description: "credvend: vend API",
      LoggingConfig: { LogGroup: s.stack.resolve(s.stack.vend.logGroup.logGroupName) },
    });
  });
});

describe("environment wiring", () => {
  test("no function sets NODE_OPTIONS: on a worker it would load code its signature does not cover", () => {
    const functions = Object.values(s.template.findResources("AWS::Lambda::Function")) as {
      Properties: { Environment?: { Variables?: object } };
    }[];
    expect(functions).toHaveLength(9);
    for (const fn of functions) expect(fn.Properties.Environment?.Variables ?? {}).not.toHaveProperty("NODE_OPTIONS");
  });

  test("vend: ledger table, the policy file shipped in its code, timeout, trusted keys, alert topic", () => {
    expect(envOf(s.stack.vend.function)).toMatchObject({
      CREDVEND_LEDGER_TABLE: s.stack.resolve(s.stack.ledger.table.tableName),
      CREDVEND_POLICY_FILE: POLICY_FILE,
      CREDVEND_WORKER_TIMEOUT_MS: "5000",
      CREDVEND_TRUSTED_KEYS: JSON.stringify([PUBLISHER_KEY]),
      CREDVEND_SNS_TOPIC_ARN: s.stack.resolve(s.stack.alerts.topic.topicArn),
    });
    expect(envOf(s.stack.vend.function)).not.toHaveProperty("CREDVEND_POLICY");
  });

  test("CREDVEND_WORKERS: each worker's URL and function name; what synth knows (providers, allowUnsigned, the signed manifest) in credvend.workers.json of the code", () => {
    const text = cfnText(envOf(s.stack.vend.function).CREDVEND_WORKERS);
    const ref = (token: string) => cfnText(s.stack.resolve(token));
    expect(JSON.parse(text)).toEqual(
      ["local-tokens", "aws-sts", "github"].map((name) => ({
        name,
        url: ref(worker(name).url.url),
        functionName: ref(worker(name).lambda.function.functionName),
      })),
    );
    expect(envOf(s.stack.webhooks!.function).CREDVEND_WORKERS).toEqual(envOf(s.stack.vend.function).CREDVEND_WORKERS);
    expect(JSON.parse(readFileSync(s.stack.workerManifests.from, "utf8"))).toEqual({
      "local-tokens": { providers: ["local"], allowUnsigned: false, manifest: s.folder.manifest, signature: s.folder.signature },
      "aws-sts": { providers: ["aws"], allowUnsigned: true },
      github: { providers: ["github"], allowUnsigned: true },
    });
    for (const fn of [s.stack.vend, s.stack.webhooks!, s.stack.sweeper!, s.stack.poller!])
      expect(envOf(fn.function).CREDVEND_WORKER_MANIFESTS_FILE).toBe(WORKER_MANIFESTS_FILE);
  });

  test("webhooks: the same core settings, its secrets by ARN only, the App id and the watched repositories", () => {
    const env = envOf(s.stack.webhooks!.function);
    expect(env).toMatchObject({
      CREDVEND_LEDGER_TABLE: s.stack.resolve(s.stack.ledger.table.tableName),
      CREDVEND_TRUSTED_KEYS: JSON.stringify([PUBLISHER_KEY]),
      CREDVEND_SNS_TOPIC_ARN: s.stack.resolve(s.stack.alerts.topic.topicArn),
      CREDVEND_WEBHOOK_SECRETS_ARN: s.stack.resolve(s.stack.secrets.webhookSecret.secretArn),
      CREDVEND_GITHUB_APP_PRIVATE_KEY_SECRET_ARN: s.stack.resolve(s.stack.secrets.appPrivateKey.secretArn),
      CREDVEND_GITHUB_APP_ID: "4242",
      CREDVEND_WATCHED_REPOSITORIES: "acme/*,other/web",
    });
    expect(env).not.toHaveProperty("CREDVEND_WEBHOOK_SECRETS");
    expect(env).not.toHaveProperty("CREDVEND_POLICY_FILE"); // the webhooks function has no use for the policy
    expect(env).not.toHaveProperty("CREDVEND_GITHUB_APP_PRIVATE_KEY");
  });

  test("local-tokens' introspection runs the worker's signed zip in introspection mode, reading the same table", () => {
    const props = s.template.toJSON().Resources[logical(introspection().lambda.function)].Properties;
    const workerProps = s.template.toJSON().Resources[logical(worker("local-tokens").lambda.function)].Properties;
    expect(props.Code).toEqual(workerProps.Code);
    expect(props.Handler).toBe("index.handler");
    expect(envOf(introspection().lambda.function)).toEqual({
      LOCAL_TOKENS_TABLE: s.stack.resolve(s.stack.kindResources.get("local-tokens")!.localTokensTable!.table.tableName),
      LOCAL_TOKENS_MODE: "introspection",
    });
  });

  test("workers get their kind's settings: token table, vended role, session cap and lock table, App id, key secret and token vault", () => {
    expect(envOf(worker("local-tokens").lambda.function)).toMatchObject({
      LOCAL_TOKENS_TABLE: s.stack.resolve(s.stack.kindResources.get("local-tokens")!.localTokensTable!.table.tableName),
    });
    expect(envOf(worker("aws-sts").lambda.function)).toMatchObject({
      CREDVEND_AWS_ROLE_ARN: s.stack.resolve(s.stack.kindResources.get("aws-sts")!.vendedRole!.role.roleArn),
      CREDVEND_AWS_MAX_SESSION_SECONDS: "1800",
      CREDVEND_AWS_ROLES: JSON.stringify({ deploy: NAMED_ROLE_ARN }),
      CREDVEND_AWS_REVOKE_SESSIONS: "1",
      CREDVEND_AWS_LOCK_TABLE: s.stack.resolve(s.stack.kindResources.get("aws-sts")!.awsStsLockTable!.table.tableName),
    });
    expect(envOf(worker("github").lambda.function)).toMatchObject({
      GITHUB_APP_ID: "4242",
      GITHUB_APP_PRIVATE_KEY_SECRET_ARN: s.stack.resolve(s.stack.secrets.appPrivateKey.secretArn),
      GITHUB_TOKEN_VAULT_TABLE: s.stack.resolve(s.stack.kindResources.get("github")!.tokenVault!.table.tableName),
      GITHUB_TOKEN_VAULT_KMS_KEY_ID: s.stack.resolve(s.stack.kindResources.get("github")!.tokenVault!.key.keyArn),
      LOG_LEVEL: "debug",
    });
  });
});

describe("signed workers", () => {
  test("each worker gets exactly the variable names synth checks against its manifest", () => {
    for (const w of s.stack.workers)
      expect(Object.keys(envOf(w.lambda.function)).sort(), w.worker.name).toEqual(workerEnvironmentNames(w.worker, s.config));
  });

  test("a signed worker's function refuses a variable its manifest does not allow, so the wiring cannot drift", () => {
    expect(() => worker("local-tokens").lambda.addEnvironment("NODE_OPTIONS", "--import=x")).toThrow(
      /NODE_OPTIONS is not in the worker's manifest allowlist/,
    );
    expect(() => worker("local-tokens").lambda.addEnvironment("EXTRA", "x")).toThrow(/EXTRA is not in the worker's manifest allowlist/);
    expect(envOf(worker("local-tokens").lambda.function)).not.toHaveProperty("EXTRA");
  });

  test("a signed worker deploys its zip byte for byte, so Lambda's CodeSha256 is the manifest's codeSha256", () => {
    const directory = s.app.synth().directory;
    const manifest = JSON.parse(readFileSync(join(directory, `${s.stack.artifactId}.assets.json`), "utf8")) as {
      files: Record<string, { source: { path: string; packaging: string }; destinations: Record<string, { objectKey: string }> }>;
    };
    const key = s.template.toJSON().Resources[logical(worker("local-tokens").lambda.function)].Properties.Code.S3Key;
    const asset = Object.values(manifest.files).find((file) => Object.values(file.destinations).some((d) => d.objectKey === key));
    expect(asset?.source.packaging).toBe("file");
    const staged = readFileSync(join(directory, asset!.source.path));
    expect(createHash("sha256").update(staged).digest("base64")).toBe(s.folder.codeSha256);
  });

  test("its handler is the zip's index.handler; unsigned workers are bundled from source", () => {
    const props = (name: string) => s.template.toJSON().Resources[logical(worker(name).lambda.function)].Properties;
    expect(props("local-tokens").Handler).toBe("index.handler");
    expect(worker("aws-sts").lambda.function).toBeInstanceOf(NodejsFunction);
    expect(worker("local-tokens").lambda.function).not.toBeInstanceOf(NodejsFunction);
  });
});

describe("secrets", () => {
  test("the GitHub secrets are created with values generated in AWS: no secret value is in the template", () => {
    const secrets = Object.values(s.template.findResources("AWS::SecretsManager::Secret")) as { Properties: Record<string, unknown> }[];
    expect(secrets).toHaveLength(2);
    for (const secret of secrets) {
      expect(secret.Properties).not.toHaveProperty("SecretString");
      expect(secret.Properties).toHaveProperty("GenerateSecretString");
    }
    const text = JSON.stringify(s.template.toJSON());
    expect(text).not.toMatch(
      /-----BEGIN|"SecretString"|"CREDVEND_WEBHOOK_SECRETS"|"CREDVEND_GITHUB_APP_PRIVATE_KEY"|"GITHUB_APP_PRIVATE_KEY"/,
    );
  });

  test("secret names are new each time the stack is created (a redeploy after destroy must not meet its secrets pending deletion); the outputs name them", () => {
    const resources = s.template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const names = Object.values(resources)
      .filter((r) => r.Type === "AWS::SecretsManager::Secret")
      .map((r) => deployTimeValue(resources, r.Properties.Name))
      .sort();
    expect(names).toEqual(["credvend/test/github-app-private-key-51af3dc0", "credvend/test/github-webhook-secret-51af3dc0"]);
    const outputs = s.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(
      [outputs.GithubAppPrivateKeySecret!.Value, outputs.GithubWebhookSecret!.Value].map((v) => deployTimeValue(resources, v)).sort(),
    ).toEqual(names);
    expect(JSON.stringify(outputs.GithubAppPrivateKeySecret!.Value)).toContain("AWS::StackId");
  });
});

describe("alerts and alarms", () => {
  test("the alert topic is KMS-encrypted with a rotating key, refuses plain HTTP, and mails the configured address", () => {
    s.template.hasResourceProperties("AWS::SNS::Topic", { KmsMasterKeyId: s.stack.resolve(s.stack.alerts.key.keyArn) });
    s.template.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
    s.template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })]),
      },
    });
    s.template.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "oncall@example.com" });
  });

  test("alarms can publish: the topic policy (which replaces SNS's default) allows this account's CloudWatch alarms", () => {
    interface TopicStatement {
      Effect: string;
      Principal?: unknown;
      Action: unknown;
      Resource: unknown;
      Condition?: { StringEquals?: unknown; ArnLike?: Record<string, unknown> };
    }
    const policies = Object.values(s.template.findResources("AWS::SNS::TopicPolicy")) as {
      Properties: { PolicyDocument: { Statement: TopicStatement[] } };
    }[];
    expect(policies).toHaveLength(1);
    const allow = policies[0]!.Properties.PolicyDocument.Statement.filter((st) => st.Effect === "Allow");
    expect(allow).toHaveLength(1);
    const publish = allow[0]!;
    expect(publish.Principal).toEqual({ Service: "cloudwatch.amazonaws.com" });
    expect(publish.Action).toBe("sns:Publish");
    expect(publish.Resource).toEqual(s.stack.resolve(s.stack.alerts.topic.topicArn));
    expect(publish.Condition?.StringEquals).toEqual({ "aws:SourceAccount": s.stack.resolve(s.stack.account) });
    expect(cfnText(publish.Condition?.ArnLike?.["aws:SourceArn"])).toMatch(/^arn:.*:cloudwatch:.*:alarm:\*$/);
  });

  test("every function has an errors, a throttles and a Function URL 5xx alarm; refused workers and failed revocations alarm from the logs; all notify the topic", () => {
    const alarms = Object.values(s.template.findResources("AWS::CloudWatch::Alarm")) as { Properties: Record<string, unknown> }[];
    const lambdaAlarms = alarms.filter((a) => a.Properties.Namespace === "AWS/Lambda");
    expect(lambdaAlarms.map((a) => a.Properties.MetricName).sort()).toEqual([
      ...Array(9).fill("Errors"),
      ...Array(9).fill("Throttles"),
      ...Array(6).fill("Url5xxCount"),
    ]);
    const logAlarms = alarms.filter((a) => a.Properties.Namespace === "credvend/test");
    expect(logAlarms.map((a) => a.Properties.MetricName).sort()).toEqual([
      "PollerRevocationFailed",
      "PollerWorkerRefused",
      // From the functions' own metrics (infra/constructs/operations-dashboard.ts).
      "SweeperBacklog",
      "SweeperRevocationFailed",
      "SweeperWorkerRefused",
      "VendFailures",
      "VendRevocationFailed",
      "VendWorkerRefused",
      "WebhooksRevocationFailed",
      "WebhooksWorkerRefused",
      "WorkerFailures",
    ]);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([s.stack.resolve(s.stack.alerts.topic.topicArn)]);
    s.template.hasResourceProperties("AWS::Logs::MetricFilter", {
      FilterPattern: '{ $.message = "worker refused" }',
      LogGroupName: s.stack.resolve(s.stack.vend.logGroup.logGroupName),
    });
  });

  test("the log messages the alarms watch are still the ones the code logs", () => {
    const sources = {
      WorkerRefused: "functions/core/plugin-trust/verified-plugin-directory.ts",
      RevocationFailed: "functions/core/leak/leak-handler.ts",
    } as const;
    for (const [event, message] of Object.entries(ALERTING_LOG_MESSAGES)) {
      expect(readFileSync(join(REPO_ROOT, sources[event as keyof typeof sources]), "utf8")).toContain(`"${message}"`);
    }
  });
});

test("outputs: vend URL, both webhook URLs, the topic, the ledger table (credvend audit), the secrets to fill and the vended role", () => {
  const outputs = s.template.toJSON().Outputs as Record<string, { Value: unknown }>;
  expect(Object.keys(outputs).sort()).toEqual(
    [
      "AlertTopicArn",
      "AwsStsWorkerRoleArnawssts",
      "GithubAppPrivateKeySecret",
      "GithubWebhookSecret",
      "IntrospectionUrllocaltokens",
      "LedgerTableName",
      "PartnerWebhookUrl",
      "SecretScanningWebhookUrl",
      "VendUrl",
      "VendedRoleArnawssts",
    ].sort(),
  );
  expect(cfnText(outputs.IntrospectionUrllocaltokens!.Value)).toBe(cfnText(s.stack.resolve(introspection().url.url)));
  expect(outputs.LedgerTableName!.Value).toEqual(s.stack.resolve(s.stack.ledger.table.tableName));
  expect(cfnText(outputs.SecretScanningWebhookUrl!.Value)).toBe(
    `${cfnText(s.stack.resolve(s.stack.webhooksUrl!.url))}webhooks/github/secret-scanning`,
  );
});
