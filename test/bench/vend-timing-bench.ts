// Bench part: where a vend's milliseconds go. Sequential vends through `credvend dev` in its own
// process, each answer's Server-Timing (oidc, plugins, policy, worker-<method>, ledger, total)
// beside the wall time measured here, for local-tokens and for aws-sts against moto (STS's real
// HTTP API, `moto_server`): the stages, what no stage claims, and what lies outside the server.
// For aws-sts, moto's own AssumeRole called bare from here shows what the worker-vend stage waits
// on. Alone: `npx tsx test/bench/vend-timing-bench.ts` (BENCH_TIMING_VENDS, default 200).
import { execFileSync } from "node:child_process";
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { DUMMY_KEYS, startMotoDevStack } from "../support/moto-dev-stack.js";
import { motoMissing } from "../support/moto-server.js";
import { ServerTimingBreakdown } from "./server-timing-breakdown.js";
import { startStackProcess } from "./vend-bench.js";

const VENDS = Number(process.env.BENCH_TIMING_VENDS ?? 200);
const WARMUP = 20;
const CLI = new URL("../../cli/bin.js", import.meta.url).pathname;

/**
 * `VENDS` sequential vends of `scopes` after a warm-up: the breakdown of their answers. With
 * `alongside`, that call is made after each vend (interleaved, so both meet the same machine) and
 * its wall times are returned beside the breakdown.
 */
async function breakdown(
  url: string,
  token: string,
  scopes: readonly string[],
  alongside?: () => Promise<void>,
): Promise<{ result: ServerTimingBreakdown; alongsideMs: number[] }> {
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
  const timed = async (call: () => Promise<void>) => {
    const start = performance.now();
    await call();
    return performance.now() - start;
  };
  for (let i = 0; i < WARMUP; i++) {
    await vend();
    if (alongside) await alongside();
  }
  const result = new ServerTimingBreakdown();
  const alongsideMs: number[] = [];
  for (let i = 0; i < VENDS; i++) {
    const { header, wallMs } = await vend();
    result.add(header, wallMs);
    if (alongside) alongsideMs.push(await timed(alongside));
  }
  return { result, alongsideMs };
}

const p50 = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

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
    const { result } = await breakdown(stack.url, token, ["local:read:bench"]);
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
    // The no-broker path a CI job would take instead (configure-aws-credentials): the same OIDC
    // token straight to STS's AssumeRoleWithWebIdentity on the same moto, one call after each vend.
    let session = 0;
    const noBroker = async () => {
      await sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: stack.roleArn,
          RoleSessionName: `no-broker-${session++}`,
          WebIdentityToken: token,
          DurationSeconds: 900,
        }),
      );
    };
    const { result, alongsideMs } = await breakdown(stack.url, token, ["aws:s3-read:acme-web-assets"], noBroker);
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
    const vendP50 = p50(result.wallTimes());
    const noBrokerP50 = p50(alongsideMs);
    console.log(
      `credvend's AWS vend beside the no-broker path (AssumeRoleWithWebIdentity with the same token on the same moto, ` +
        `${alongsideMs.length} interleaved calls each), p50: ${vendP50.toFixed(2)} ms vs ${noBrokerP50.toFixed(2)} ms = ` +
        `${(vendP50 / noBrokerP50).toFixed(2)}× (target ≤ 2.0×); the broker adds ${(vendP50 - noBrokerP50).toFixed(2)} ms`,
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
