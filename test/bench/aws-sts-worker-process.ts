// The aws-sts worker as Lambda runs it, for the memory-size bench: its bundle in a process of its
// own (runFunction, as the vend function's), invoked again and again with the Function URL event
// of one Vend as the vend function sends it (gRPC-web, preparation inline, the vend function's
// session as the signed caller), STS on moto (`moto_server`) in another process. Without moto, the
// reason instead.
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IAMClient } from "@aws-sdk/client-iam";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { bundleLambda } from "../../infra/bundles.js";
import { REPO_ROOT } from "../../infra/paths.js";
import { createAssumableRole, DUMMY_KEYS } from "../support/moto-dev-stack.js";
import { motoMissing, startMotoServer } from "../support/moto-server.js";
import { functionUrlEvent, VEND_ROLE_ARN } from "../unit/plugin-sdk-lambda-fetch.js";
import { REGION, runFunction, type FunctionRun, type FunctionRunOptions } from "./vend-function-process.js";

const WORKER_ENTRY = "plugin-workers/aws-sts/lambda.ts";

interface WorkerBed {
  run(options: FunctionRunOptions): Promise<FunctionRun>;
  close(): Promise<void>;
}

export async function startAwsStsWorkerBed(): Promise<WorkerBed | { skipped: string }> {
  const missing = motoMissing();
  if (missing) return { skipped: missing };
  const moto = await startMotoServer();
  const workDir = mkdtempSync(join(tmpdir(), "credvend-worker-bench-"));
  const bundleDir = join(REPO_ROOT, ".cache", "bench", randomUUID());
  const close = async () => {
    rmSync(bundleDir, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
    await moto.close();
  };
  try {
    const iam = new IAMClient({ region: REGION, endpoint: moto.endpoint, credentials: DUMMY_KEYS });
    const roleArn = await createAssumableRole(iam, "credvend-bench");
    iam.destroy();
    mkdirSync(bundleDir, { recursive: true });
    writeFileSync(join(bundleDir, "index.mjs"), (await bundleLambda(WORKER_ENTRY)).code);
    const event = await vendEvent();
    const environment = {
      PATH: process.env.PATH ?? "",
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: DUMMY_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_KEYS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      AWS_ENDPOINT_URL_STS: moto.endpoint,
      CREDVEND_AWS_ROLE_ARN: roleArn,
      CREDVEND_ALLOWED_CALLERS: JSON.stringify([VEND_ROLE_ARN]),
    };
    return {
      run: (options) => runFunction(options, { workDir, event, environment, bundle: join(bundleDir, "index.mjs") }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The event of the Vend the vend function sends for `aws:s3-read:acme-web-assets`, taken off its client. */
async function vendEvent(): Promise<unknown> {
  let captured: unknown;
  const client = new GrpcWebPluginClient({
    name: "aws-sts",
    baseUrl: "http://aws-sts.lambda-url.invalid",
    maxRetries: 0,
    fetch: async (input, init) => {
      captured = await functionUrlEvent(new Request(input, init));
      throw new Error("captured");
    },
  });
  const subject = { repository: "acme/web", ref: "refs/heads/main", sub: "repo:acme/web:ref:refs/heads/main" };
  await client
    .vendWithPreparation({
      scopes: [{ provider: "aws", action: "s3-read", resource: "acme-web-assets" }],
      subject,
      ttlSeconds: 900,
      credentialId: randomUUID(),
    })
    .catch(() => undefined);
  if (!captured) throw new Error("the worker client sent no request to capture");
  return captured;
}
