// The flaw this pins: Lambda runs one request per environment, so concurrent revocations of one
// role run in different processes; with writes serialized only inside a process, both read the
// role's deny policy, each writes its own entry, both answer `revoked`, and only the last write
// stands. Here two aws-sts workers run as two OS processes (configured by their environment as
// on Lambda) against moto's IAM and STS and one lock table on dynalite; the sessions of one role
// are revoked through both at once, and every one of them must end denied in the role's policy.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomUUID } from "node:crypto";
import { CreateRoleCommand, GetRolePolicyCommand, IAMClient } from "@aws-sdk/client-iam";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { parseScope } from "../../plugin-protocol/scope.js";
import { ensureRevocationTable } from "../../plugin-workers/aws-sts/dynamodb-revocation-store.js";
import { REVOKED_SESSIONS_POLICY, sessionsOf } from "../../plugin-workers/aws-sts/session-deny-policy.js";
import { localDynamoClient, startDynalite, type LocalDynamo } from "../support/dynalite.js";
import { motoMissing, startMotoServer, type MotoServer } from "../support/moto-server.js";

const WORKER_SCRIPT = new URL("../support/aws-sts-worker-process.ts", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;
const KEYS = { accessKeyId: "AKIDWORKER", secretAccessKey: "worker-secret" };
const ROLE_NAME = "credvend-vended";
const LOCK_TABLE = "credvend-aws-sts-locks";
const SESSIONS = 6;

const missing = motoMissing();

interface WorkerProcess {
  readonly client: GrpcWebPluginClient;
  stop(): Promise<void>;
}

/** One worker process; resolves once it printed its URL. */
function startWorkerProcess(env: NodeJS.ProcessEnv, name: string): Promise<WorkerProcess> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ["--import", "tsx", WORKER_SCRIPT], {
    cwd: ROOT,
    env,
    stdio: "pipe",
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output}`)), 30_000);
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const url = /^(http:\/\/127\.0\.0\.1:\d+)\n/.exec(output)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve({
        client: new GrpcWebPluginClient({ name, baseUrl: url, timeoutMs: 10_000, maxRetries: 0 }),
        stop: async () => {
          child.stdin.end();
          await exited;
        },
      });
    });
    child.once("exit", () => reject(new Error(`${name} exited:\n${output}`)));
  });
}

describe.skipIf(missing !== undefined)(
  `aws-sts revocation across processes: two worker processes revoking sessions of one role at once both deny${missing ? ` (skipped: ${missing})` : ""}`,
  () => {
    let moto: MotoServer | undefined;
    let dynamo: LocalDynamo | undefined;
    let dynamodb: DynamoDBClient | undefined;
    let iam: IAMClient | undefined;
    const workers: WorkerProcess[] = [];

    beforeAll(async () => {
      [moto, dynamo] = await Promise.all([startMotoServer(), startDynalite()]);
      dynamodb = localDynamoClient(dynamo.endpoint);
      await ensureRevocationTable(dynamodb, LOCK_TABLE);
      iam = new IAMClient({ region: "us-east-1", endpoint: moto.endpoint, credentials: KEYS });
      const trust = {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::123456789012:root" },
            Action: ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
          },
        ],
      };
      const role = await iam.send(new CreateRoleCommand({ RoleName: ROLE_NAME, AssumeRolePolicyDocument: JSON.stringify(trust) }));
      // Only what a Lambda environment would have: nothing of the developer's own AWS setup.
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: KEYS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey,
        AWS_ENDPOINT_URL_STS: moto.endpoint,
        AWS_ENDPOINT_URL_IAM: moto.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        CREDVEND_AWS_ROLE_ARN: role.Role!.Arn!,
        CREDVEND_AWS_REVOKE_SESSIONS: "1",
        CREDVEND_AWS_LOCK_TABLE: LOCK_TABLE,
      };
      workers.push(...(await Promise.all([startWorkerProcess(env, "aws-sts-a"), startWorkerProcess(env, "aws-sts-b")])));
    }, 90_000);

    afterAll(async () => {
      await Promise.all(workers.map((w) => w.stop()));
      iam?.destroy();
      dynamodb?.destroy();
      await dynamo?.close();
      await moto?.close();
    });

    it(`${SESSIONS} sessions revoked through two processes at once: all revoked, and every one denied in the role's policy`, async () => {
      const request = {
        scopes: [parseScope("aws:s3-read:acme-web-assets")],
        subject: { repository: "acme/web", actor: "octocat" },
        ttlSeconds: 900,
      };
      const prepared = await workers[0]!.client.prepare(request);
      const sessions = [];
      for (let i = 0; i < SESSIONS; i++) {
        const credentialId = randomUUID();
        const vended = await workers[i % 2]!.client.vend({ ...request, credentialId, serialized: prepared.serialized!.serialized });
        expect(vended.revocable).toBe(true);
        sessions.push({ credentialId, vended, worker: workers[i % 2]! });
      }

      const results = await Promise.all(
        sessions.map(({ credentialId, vended, worker }) =>
          worker.client.revoke({ credentialId, scopes: request.scopes, upstreamRef: vended.upstreamRef, expiresAt: vended.expiresAt }),
        ),
      );
      expect(results.map((r) => r.outcome)).toEqual(Array(SESSIONS).fill("revoked"));

      const { PolicyDocument } = await iam!.send(new GetRolePolicyCommand({ RoleName: ROLE_NAME, PolicyName: REVOKED_SESSIONS_POLICY }));
      const denied = sessionsOf(decodeURIComponent(PolicyDocument!))
        .map((s) => s.userId)
        .sort();
      const expected = sessions.map(({ vended }) => (JSON.parse(vended.upstreamRef) as { assumedRoleId: string }).assumedRoleId).sort();
      expect(denied).toEqual(expected);
    }, 60_000);
  },
);
