// The vend app over loopback with an AWS provider behind it: the real aws-sts worker (gRPC-web
// in process) and the real STS client talking to a local STS stand-in. For the tests of the AWS
// clients: the SDKs' container provider, credential_process, the CLI and the Action.
import { STSClient } from "@aws-sdk/client-sts";
import { createAwsStsWorker } from "../../plugin-workers/aws-sts/worker.js";
import { listenOnLoopback, type LoopbackServer } from "../../plugin-workers/sdk/index.js";
import { inMemoryWorkerClient } from "./in-memory-worker.js";
import { startFakeSts, type FakeSts } from "./fake-sts.js";
import { ISSUER, createVendFixture, type VendFixture } from "./vend-fixture.js";

export const AWS_ROLE = "arn:aws:iam::123456789012:role/credvend-ci";
export const AWS_POLICY = `
version: 1
audience: credvend
issuers: [${ISSUER}]
rules:
  - name: web-main-assets
    when: { repository: acme/web, ref: refs/heads/main }
    allow: ["aws:s3-read:acme-web-assets", "aws:s3-write:acme-web-assets/builds/*", "local:read:*"]
    maxTtl: 30m
`;

export interface AwsVendServer {
  readonly url: string;
  readonly sts: FakeSts;
  readonly fixture: VendFixture;
  close(): Promise<void>;
}

export async function startAwsVendServer(): Promise<AwsVendServer> {
  const sts = await startFakeSts();
  // Two attempts, as the deployed worker: the SDK retries a throttled call once by itself.
  const client = new STSClient({
    region: "us-east-1",
    endpoint: sts.url,
    maxAttempts: 2,
    credentials: { accessKeyId: "AKIDWORKER", secretAccessKey: "worker-secret" },
  });
  const worker = inMemoryWorkerClient(
    createAwsStsWorker({ config: { defaultRoleArn: AWS_ROLE, roles: {}, maxSessionSeconds: 3600, region: "us-east-1" }, sts: client }),
  );
  const fixture = await createVendFixture({ policy: AWS_POLICY, otherWorkers: [{ client: worker, providers: ["aws"] }] });
  let server: LoopbackServer;
  try {
    server = await listenOnLoopback(fixture.app);
  } catch (err) {
    await sts.close();
    throw err;
  }
  return {
    url: server.url,
    sts,
    fixture,
    close: async () => {
      await server.close();
      await sts.close();
    },
  };
}
