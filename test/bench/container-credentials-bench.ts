// GET /v1/aws/container-credentials against the 1 s the AWS JS SDK gives the container provider
// by default: the vend app over loopback (OIDC check, policy, aws-sts worker over gRPC-web, STS
// over HTTP to a local stand-in, in-memory ledger), timed with plain fetch and with the SDK's
// own fromHttp provider. Also runnable alone: `npx tsx test/bench/container-credentials-bench.ts`.
import { fromHttp } from "@aws-sdk/credential-providers";
import { startAwsVendServer } from "../support/aws-vend-server.js";

const CALLS = Number(process.env.BENCH_CONTAINER_CALLS ?? 300);
const WARMUP = 30;

export async function benchContainerCredentials(): Promise<void> {
  const stack = await startAwsVendServer();
  try {
    const token = await stack.fixture.token({ ttlSeconds: 3600 });
    const uri = `${stack.url}/v1/aws/container-credentials?scope=${encodeURIComponent("aws:s3-read:acme-web-assets")}&ttlSeconds=900`;
    const plain = async () => {
      const response = await fetch(uri, { headers: { authorization: token } });
      if (response.status !== 200) throw new Error(`container credentials answered ${response.status}`);
      await response.arrayBuffer();
    };
    const sdk = async () => {
      await fromHttp({ awsContainerCredentialsFullUri: uri, awsContainerAuthorizationToken: token })();
    };
    const rows: Record<string, { p50: string; p99: string; max: string }> = {};
    for (const [name, call] of [
      ["fetch", plain],
      ["SDK fromHttp", sdk],
    ] as const) {
      for (let i = 0; i < WARMUP; i++) await call();
      const samples: number[] = [];
      for (let i = 0; i < CALLS; i++) {
        const start = performance.now();
        await call();
        samples.push(performance.now() - start);
      }
      samples.sort((a, b) => a - b);
      const at = (p: number) => `${samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!.toFixed(2)} ms`;
      rows[name] = { p50: at(0.5), p99: at(0.99), max: at(1) };
    }
    console.log(
      `\nGET /v1/aws/container-credentials, ${CALLS} sequential calls (in-process app and worker, local STS; the SDK's default timeout is 1000 ms)`,
    );
    console.table(rows);
  } finally {
    await stack.close();
  }
}

if (process.argv[1]?.endsWith("container-credentials-bench.ts")) await benchContainerCredentials();
