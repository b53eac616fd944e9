// Bench part: where a vend's milliseconds go. Sequential vends through `credvend dev` in its own
// process, each answer's Server-Timing (oidc, plugins, policy, worker-<method>, ledger, total)
// beside the wall time measured here, for local-tokens and for aws-sts against moto (STS's real
// HTTP API, `moto_server`): the stages, what no stage claims, and what lies outside the server.
// For aws-sts, moto's own AssumeRole called bare from here shows what the worker-vend stage waits
// on. Alone: `npx tsx test/bench/vend-timing-bench.ts` (BENCH_TIMING_VENDS, default 200).
import { execFileSync } from "node:child_process";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { DUMMY_KEYS, startMotoDevStack } from "../support/moto-dev-stack.js";
import { motoMissing } from "../support/moto-server.js";
import { ServerTimingBreakdown } from "./server-timing-breakdown.js";
import { startStackProcess } from "./vend-bench.js";

const VENDS = Number(process.env.BENCH_TIMING_VENDS ?? 200);
const WARMUP = 20;
const CLI = new URL("../../cli/bin.js", import.meta.url).pathname;

/** `VENDS` sequential vends of `scopes` after a warm-up: the breakdown of their answers. */
async function breakdown(url: string, token: string, scopes: readonly string[]): Promise<ServerTimingBreakdown> {
  const body = JSON.stringify({ scopes, ttlSeconds: 900 });
  const vend = async (): Promise<{ header: string | null; wallMs: number }> => {
    const start = performance.now();
    const response = await fetch(`${url}/v1/vend`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body,
    });
    await response.arrayBuffer();
    const wallMs = performance.now() - start;
    if (response.status !== 200) throw new Error(`vend of ${scopes.join(" ")} answered ${response.status}`);
    return { header: response.headers.get("server-timing"), wallMs };
  };
  for (let i = 0; i < WARMUP; i++) await vend();
  const result = new ServerTimingBreakdown();
  for (let i = 0; i < VENDS; i++) {
    const { header, wallMs } = await vend();
    result.add(header, wallMs);
  }
  return result;
}

async function localTokens(): Promise<void> {
  const stack = await startStackProcess();
  try {
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
    const result = await breakdown(stack.url, token, ["local:read:bench"]);
    console.log(
      `\nWhere a vend's milliseconds go: local-tokens, POST /v1/vend, ${result.vends} sequential vends (credvend dev, own process)`,
    );
    console.table(result.rows());
    console.log(result.coverage());
  } finally {
    await stack.stop();
  }
}

async function awsSts(): Promise<void> {
  const missing = motoMissing();
  if (missing) {
    console.log(`\nWhere a vend's milliseconds go: aws-sts against moto — not run: ${missing}`);
    return;
  }
  const stack = await startMotoDevStack({ roleName: "credvend-bench" });
  const sts = new STSClient({ region: "us-east-1", endpoint: stack.moto.endpoint, credentials: DUMMY_KEYS });
  try {
    const token = (await stack.cli("dev", "token", "--repository", "acme/web", "--ref", "refs/heads/main", "--ttl", "3600")).trim();
    const result = await breakdown(stack.url, token, ["aws:s3-read:acme-web-assets"]);
    const bare = new ServerTimingBreakdown();
    for (let i = 0; i < WARMUP + VENDS; i++) {
      const start = performance.now();
      await sts.send(new AssumeRoleCommand({ RoleArn: stack.roleArn, RoleSessionName: `bench-${i}`, DurationSeconds: 900 }));
      // Reported through the same table: one stage, its wall time.
      const ms = performance.now() - start;
      if (i >= WARMUP) bare.add(`assume-role;dur=${ms.toFixed(2)}, total;dur=${ms.toFixed(2)}`, ms);
    }
    console.log(
      `\nWhere a vend's milliseconds go: aws-sts against moto, POST /v1/vend, ${result.vends} sequential vends (credvend dev, own process)`,
    );
    console.table(result.rows());
    console.log(result.coverage());
    const assumeRole = bare.rows()["assume-role"]!;
    console.log(
      `moto's AssumeRole called bare from here (the STS call inside worker-vend): p50 ${assumeRole.p50}, p99 ${assumeRole.p99}, mean ${assumeRole.mean}`,
    );
  } finally {
    sts.destroy();
    await stack.close();
  }
}

export async function benchVendTiming(): Promise<void> {
  await localTokens();
  await awsSts();
}

if (process.argv[1]?.endsWith("vend-timing-bench.ts")) await benchVendTiming();
