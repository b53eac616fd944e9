// What the cold vend bench (cold-vend-bench.ts) deploys once, as `cdk deploy` would, before any
// environment starts: the aws-sts worker's zip built and signed with a generated publisher key
// (its index.mjs the very bytes in the zip), that zip created as a Lambda function on moto (so the
// vend function's signed-worker check reads CodeSha256, handler, runtime and environment names from
// GetFunctionConfiguration, as on AWS), the role the worker assumes, the alert topic, the ledger
// table on DynamoDB Local, the vend bundle with the policy and worker manifests beside it (the
// stack's code asset), and both functions' environments as the stack sets them.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { publicKeyConfig } from "../../cli/publisher-key-files.js";
import { signBuiltWorker } from "../../cli/sign-worker.js";
import { localDynamoClient } from "../../cli/dev/local-dynamodb-client.js";
import { ensureLedgerTable } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import { codeSha256Of } from "../../functions/adapters/plugins/file-code-hash.js";
import { compiledPolicyJson } from "../../functions/core/policy/policy-yaml.js";
import { generateKeyPair } from "../../functions/core/plugin-trust/index.js";
import { bundleLambda } from "../../infra/bundles.js";
import { buildWorker } from "../../infra/build-workers.js";
import { deterministicZip } from "../../infra/deterministic-zip.js";
import { REPO_ROOT } from "../../infra/paths.js";
import { createAssumableRole, MOTO_ACCOUNT } from "../support/moto-dev-stack.js";

export const REGION = "us-east-1";
const TABLE = "credvend-ledger";
const WORKER_FUNCTION = "credvend-worker-aws-sts";
const VEND_ROLE = `arn:aws:iam::${MOTO_ACCOUNT}:role/credvend-vend-role`;
/** The vend function's role session as a Function URL names its SigV4 signer. */
export const VEND_SESSION_ARN = `arn:aws:sts::${MOTO_ACCOUNT}:assumed-role/credvend-vend-role/credvend-vend`;
/** The temporary keys Lambda gives the vend function's environment (moto does not check them). */
export const VEND_KEYS = { accessKeyId: "ASIABENCHVEND", secretAccessKey: "bench-vend-secret", sessionToken: "bench-vend-session" };
const WORKER_KEYS = { accessKeyId: "ASIABENCHWORKER", secretAccessKey: "bench-worker-secret", sessionToken: "bench-worker-session" };

export interface ColdVendDeployment {
  readonly vendBundle: string;
  readonly workerBundle: string;
  /** The role the worker assumes; the baseline's AssumeRoleWithWebIdentity names it too. */
  readonly roleArn: string;
  /** The vend function's environment, given its worker's URL. */
  vendEnvironment(workerUrl: string): Record<string, string>;
  readonly workerEnvironment: Record<string, string>;
  readonly codeCheck: string;
}

export interface ColdVendServices {
  readonly motoEndpoint: string;
  readonly dynamodbEndpoint: string;
  readonly issuerUrl: string;
}

/** Lambda's own variables of a Node.js function (its runtime sets these in every environment). */
function lambdaRuntimeEnvironment(functionName: string, taskRoot: string, keys: typeof VEND_KEYS): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
    LAMBDA_TASK_ROOT: taskRoot,
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    AWS_SESSION_TOKEN: keys.sessionToken,
    // Node 20 here, nodejs22.x on Lambda: the SDK's warning about it is noise.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}

/** Deploys into `dir` (under the repository, so `@aws-sdk/*` resolves as the runtime's); the caller removes it. */
export async function deployColdVend(services: ColdVendServices, dir: string): Promise<ColdVendDeployment> {
  const { motoEndpoint } = services;
  const aws = { region: REGION, endpoint: motoEndpoint, credentials: WORKER_KEYS };
  const iam = new IAMClient(aws);
  const lambda = new LambdaClient(aws);
  const sns = new SNSClient(aws);
  try {
    const roleArn = await createAssumableRole(iam, "credvend-bench-cold");
    await iam.send(new CreateRoleCommand({ RoleName: "credvend-worker-role", AssumeRolePolicyDocument: JSON.stringify(LAMBDA_TRUST) }));
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: "credvend-alerts" }))).TopicArn!;

    // The worker as `npm run build:workers` and `credvend plugin sign` make it.
    const key = await generateKeyPair();
    const built = await buildWorker(join(REPO_ROOT, "plugin-workers", "aws-sts"), join(dir, "dist"));
    const signed = await signBuiltWorker(built.outDir, key);
    const workerCode = (await bundleLambda("plugin-workers/aws-sts/lambda.ts")).code;
    if (codeSha256Of(deterministicZip([{ name: "index.mjs", data: workerCode }])) !== signed.manifest.codeSha256)
      throw new Error("the worker's bundle is not the code in its signed zip");
    mkdirSync(join(dir, "worker"), { recursive: true });
    const workerBundle = join(dir, "worker", "index.mjs");
    writeFileSync(workerBundle, workerCode);
    const workerEnvironment = { CREDVEND_ALLOWED_CALLERS: JSON.stringify([VEND_ROLE]), CREDVEND_AWS_ROLE_ARN: roleArn };
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: WORKER_FUNCTION,
        Runtime: "nodejs22.x",
        Handler: built.info.handler,
        Role: `arn:aws:iam::${MOTO_ACCOUNT}:role/credvend-worker-role`,
        Code: { ZipFile: readFileSync(signed.zipPath) },
        Environment: { Variables: workerEnvironment },
      }),
    );

    const client = localDynamoClient(services.dynamodbEndpoint);
    await ensureLedgerTable(client, TABLE);
    client.destroy();

    const vendDir = join(dir, "vend");
    mkdirSync(vendDir, { recursive: true });
    const vendBundle = join(vendDir, "index.mjs");
    writeFileSync(vendBundle, (await bundleLambda("functions/vend/lambda.ts")).code);
    writeFileSync(join(vendDir, "credvend.policy.json"), compiledPolicyJson(policyYaml(services.issuerUrl)).json);
    const manifests = { "aws-sts": { providers: ["aws"], allowUnsigned: false, manifest: signed.manifest, signature: signed.signature } };
    writeFileSync(join(vendDir, "credvend.workers.json"), JSON.stringify(manifests));

    return {
      vendBundle,
      workerBundle,
      roleArn,
      codeCheck: `Lambda GetFunctionConfiguration on moto (function ${WORKER_FUNCTION}: CodeSha256, handler, runtime, environment names)`,
      vendEnvironment: (workerUrl) => ({
        ...lambdaRuntimeEnvironment("credvend-vend", vendDir, VEND_KEYS),
        // The stack's variables (credvend-stack.ts coreEnvironment, and the vend function's policy file).
        CREDVEND_LEDGER_TABLE: TABLE,
        CREDVEND_WORKERS: JSON.stringify([{ name: "aws-sts", url: workerUrl, functionName: WORKER_FUNCTION }]),
        CREDVEND_WORKER_MANIFESTS_FILE: join(vendDir, "credvend.workers.json"),
        CREDVEND_WORKER_TIMEOUT_MS: "5000",
        CREDVEND_TRUSTED_KEYS: JSON.stringify([publicKeyConfig(key)]),
        CREDVEND_SNS_TOPIC_ARN: topicArn,
        CREDVEND_METRICS_NAMESPACE: "credvend",
        CREDVEND_POLICY_FILE: join(vendDir, "credvend.policy.json"),
        // Where AWS is, here: DynamoDB Local for the ledger, moto for Lambda and SNS.
        AWS_ENDPOINT_URL_DYNAMODB: services.dynamodbEndpoint,
        AWS_ENDPOINT_URL_LAMBDA: motoEndpoint,
        AWS_ENDPOINT_URL_SNS: motoEndpoint,
      }),
      workerEnvironment: {
        ...lambdaRuntimeEnvironment(WORKER_FUNCTION, join(dir, "worker"), WORKER_KEYS),
        ...workerEnvironment,
        AWS_ENDPOINT_URL_STS: motoEndpoint,
        CREDVEND_BENCH_CALLER_KEYS: JSON.stringify(VEND_KEYS),
      },
    };
  } finally {
    iam.destroy();
    lambda.destroy();
    sns.destroy();
  }
}

const LAMBDA_TRUST = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
};

const policyYaml = (issuer: string) => `version: 1
audience: credvend
issuers: [${issuer}]
rules:
  - name: bench-cold
    when: { repository: acme/web, ref: refs/heads/main }
    allow: ["aws:s3-read:acme-web-assets"]
    maxTtl: 15m
`;
