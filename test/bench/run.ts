// `npm run bench`: the broker's overhead over a bare worker call, throughput, and each Lambda
// bundle's size and module-init time. Targets (not tests): overhead ≤ 3 ms p50 / ≤ 10 ms p99,
// ≥ 500 vends/s on 2 cores, bundles ≤ 1 MB, init ≤ 150 ms. Signed workers (worker-trust-bench.ts):
// verification at cold start < 20 ms for 5 workers, and the gRPC-web round trip on loopback.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { defaultDevClaims } from "../../cli/dev/dev-oidc-issuer.js";
import { CALLER_SECRET_FILE, readCallerSecret, withCallerSecret } from "../../cli/dev/worker-caller-secret.js";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { buildBundles } from "../../infra/bundles.js";
import { benchWorkerTrust } from "./worker-trust-bench.js";
import { benchContainerCredentials } from "./container-credentials-bench.js";
import { benchPartnerBatch } from "./leak-response-bench.js";
import { synthesizedFunctionAssets } from "../../infra/asset-sizes.js";

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

  const bundles = await buildBundles(mkdtempSync(join(tmpdir(), "credvend-bundles-")));
  const rows: Record<string, { size: string; init: string }> = {};
  for (const bundle of bundles) {
    const inits = [0, 1, 2].map(() => measureInit(bundle.outfile));
    rows[bundle.name] = { size: `${(bundle.bytes / 1024).toFixed(0)} KiB`, init: ms(Math.min(...inits)) };
  }
  console.log("\nLambda bundles (esbuild, minified ESM; init = fresh-process import(), best of 3; targets ≤ 1 MB, ≤ 150 ms)");
  console.table(rows);
  const example = new URL("../../infra/credvend.config.example.yaml", import.meta.url).pathname;
  const assets = Object.fromEntries(
    (await synthesizedFunctionAssets(example)).map((a) => [
      a.name,
      { "index.mjs": `${(a.codeBytes / 1024).toFixed(0)} KiB`, "asset (with source map)": `${(a.bytes / 1024).toFixed(0)} KiB` },
    ]),
  );
  console.log("\nCDK assets as `cdk synth -c config=infra/credvend.config.example.yaml` stages them (what `cdk deploy` uploads)");
  console.table(assets);
}

/** Module-init time of a bundle: a fresh Node process importing it with a plausible environment. */
function measureInit(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    env: {
      ...process.env,
      AWS_REGION: "us-east-1",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      CREDVEND_LEDGER_TABLE: "credvend-ledger",
      CREDVEND_POLICY: policyYaml,
      CREDVEND_WORKERS: JSON.stringify([{ name: "local-tokens", url: "https://worker.example", providers: ["local"] }]),
      LOCAL_TOKENS_TABLE: "credvend-local-tokens",
      // A dev-length placeholder so the webhooks entry can start; no delivery is verified here.
      CREDVEND_WEBHOOK_SECRETS: "bench-webhook-secret-0123456789",
    },
    // A bundle that fails to start would otherwise print its minified source as the error.
    stdio: ["ignore", "pipe", "pipe"],
  });
  return Number(out.toString());
}

await main();
