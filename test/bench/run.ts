// `npm run bench`: the broker's overhead over a bare worker call, throughput, and each Lambda
// bundle's size and import time (bundle-bench.ts). Targets (not tests): overhead ≤ 3 ms p50 /
// ≤ 10 ms p99, ≥ 500 vends/s on 2 cores; bundles ≤ 400 KiB (functions) / ≤ 250 KiB (workers),
// import ≤ 50 ms / ≤ 30 ms. Signed workers (worker-trust-bench.ts): verification at cold start
// < 20 ms for 5 workers, and the gRPC-web round trip on loopback.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { defaultDevClaims } from "../../cli/dev/dev-oidc-issuer.js";
import { CALLER_SECRET_FILE, readCallerSecret, withCallerSecret } from "../../cli/dev/worker-caller-secret.js";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { benchWorkerTrust } from "./worker-trust-bench.js";
import { benchContainerCredentials } from "./container-credentials-bench.js";
import { benchPartnerBatch } from "./leak-response-bench.js";
import { benchBundles } from "./bundle-bench.js";

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 1000);
const CONCURRENT_TOTAL = Number(process.env.BENCH_CONCURRENT ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const WARMUP = 100;
const CLI = new URL("../../cli/bin.js", import.meta.url).pathname;
const policyYaml = `version: 1
audience: credvend
issuers: [https://token.actions.githubusercontent.com]
rules:
  - name: bench
    when: { repository: acme/web }
    allow: ["local:read:*"]
    maxTtl: 15m
`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function timeEach(n: number, call: () => Promise<void>): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await call();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function throughput(total: number, concurrency: number, call: () => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) await call();
    }),
  );
  return total / ((performance.now() - start) / 1000);
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

/**
 * The local stack runs in its own process, as `npm start` does, so the load generator's CPU is not
 * counted as the broker's and the stack gets a core of its own.
 */
async function startStackProcess(): Promise<{ url: string; workerUrl: string; dataDir: string; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), "credvend-bench-"));
  const policyFile = join(dataDir, "policy.yaml");
  writeFileSync(policyFile, policyYaml);
  const child = spawn(process.execPath, [CLI, "dev", "--port", "0", "--data-dir", dataDir, "--policy", policyFile, "--log-level", "warn"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  const urls = await new Promise<{ url: string; workerUrl: string }>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`local stack exited (${code}):\n${output}`)));
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const url = /vend API\s+(\S+)/.exec(output)?.[1];
      const workerUrl = /local-tokens at (\S+)/.exec(output)?.[1];
      if (url && workerUrl) resolve({ url, workerUrl });
    });
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      child.removeAllListeners("exit");
      child.once("exit", () => resolve());
      child.kill("SIGINT");
    });
  return { ...urls, dataDir, stop };
}

async function main(): Promise<void> {
  const stack = await startStackProcess();
  try {
    const claims = defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" });
    const token = execFileSync(process.execPath, [
      CLI,
      "dev",
      "token",
      "--data-dir",
      stack.dataDir,
      "--repository",
      "acme/web",
      "--ttl",
      "3600",
    ])
      .toString()
      .trim();
    const body = JSON.stringify({ scopes: ["local:read:bench"], ttlSeconds: 600 });
    const vendOnce = async () => {
      const response = await fetch(`${stack.url}/v1/vend`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body,
      });
      if (response.status !== 200) throw new Error(`vend answered ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    };
    // The worker serves only the core: the bare call sends the stack's caller secret, as the core does.
    const fetchAsCore = withCallerSecret(readCallerSecret(join(stack.dataDir, CALLER_SECRET_FILE)));
    const worker = new GrpcWebPluginClient({ name: "local-tokens", baseUrl: stack.workerUrl, fetch: fetchAsCore });
    const scopes = [{ provider: "local", action: "read", resource: "bench" }];
    const prepared = await worker.prepare({ scopes, subject: claims, ttlSeconds: 600 });
    const workerVendOnce = async () => {
      await worker.vend({
        credentialId: randomUUID(),
        scopes,
        subject: claims,
        ttlSeconds: 600,
        serialized: prepared.serialized!.serialized,
      });
    };

    for (let i = 0; i < WARMUP; i++) await vendOnce();
    for (let i = 0; i < WARMUP; i++) await workerVendOnce();
    const broker = await timeEach(SEQUENTIAL, vendOnce);
    const bare = await timeEach(SEQUENTIAL, workerVendOnce);
    const perSecond = await throughput(CONCURRENT_TOTAL, CONCURRENCY, vendOnce);

    console.log(`\nVend latency, ${SEQUENTIAL} sequential calls over loopback (local stack in its own process, embedded dynalite)`);
    console.table({
      "POST /v1/vend (whole stack)": { p50: ms(broker.p50), p99: ms(broker.p99) },
      "worker Vend alone (gRPC-web)": { p50: ms(bare.p50), p99: ms(bare.p99) },
      "broker overhead": { p50: ms(broker.p50 - bare.p50), p99: ms(broker.p99 - bare.p99) },
    });
    console.log(`Throughput: ${perSecond.toFixed(0)} vends/s (${CONCURRENT_TOTAL} vends, ${CONCURRENCY} concurrent, target ≥ 500)`);
  } finally {
    await stack.stop();
  }

  await benchWorkerTrust();
  await benchContainerCredentials();
  await benchPartnerBatch();

  await benchBundles();
}

await main();
