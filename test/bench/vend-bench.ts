// Bench part for the vend path through the whole local stack (`credvend dev` in its own process,
// as `npm start` runs it): the broker's overhead over the bare worker Vend, throughput, the
// broker's CPU per vend, and the sequential DynamoDB round trips after the worker answers.
// Targets: overhead ≤ 3 ms p50 / ≤ 10 ms p99, ≤ 1.5 ms broker CPU per
// vend (the ledger round trips are ledger-round-trips-bench.ts, a part of its own in run.ts).
// BENCH_CPU_PROF=<dir> also profiles the stack process (`--cpu-prof`) and prints where its time
// went under the throughput load (cpu-profile-summary.ts). Alone: `npx tsx test/bench/vend-bench.ts`.
import { execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { defaultDevClaims } from "../../cli/dev/dev-oidc-issuer.js";
import { CALLER_SECRET_FILE, callerSecretsSigner, readCallerSecrets } from "../../cli/dev/worker-caller-secret.js";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { printCpuProfileSummary, summarizeCpuProfile } from "./cpu-profile-summary.js";
import { cpuSince, threadCpu } from "./thread-cpu.js";

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 1000);
const CONCURRENT_TOTAL = Number(process.env.BENCH_CONCURRENT ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROF;
const WARMUP = 100;
const CLI = new URL("../../cli/bin.js", import.meta.url).pathname;
export const BENCH_POLICY_YAML = `version: 1
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

export interface StackProcess {
  readonly pid: number;
  readonly url: string;
  readonly workerUrl: string;
  readonly dataDir: string;
  /** When the process was started (performance.now() of this process). */
  readonly startedAt: number;
  stop(): Promise<void>;
}

/**
 * The local stack runs in its own process, as `npm start` does, so the load generator's CPU is not
 * counted as the broker's and the stack gets a core of its own.
 */
export async function startStackProcess(nodeArgs: readonly string[] = []): Promise<StackProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), "credvend-bench-"));
  const policyFile = join(dataDir, "policy.yaml");
  writeFileSync(policyFile, BENCH_POLICY_YAML);
  const startedAt = performance.now();
  const child = spawn(
    process.execPath,
    [...nodeArgs, CLI, "dev", "--port", "0", "--data-dir", dataDir, "--policy", policyFile, "--log-level", "warn"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
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
  return { pid: child.pid!, ...urls, dataDir, startedAt, stop };
}

/** Vends through the whole stack, and the same worker called bare, as the core calls it. */
function callers(stack: StackProcess) {
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
  const vend = async () => {
    const response = await fetch(`${stack.url}/v1/vend`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body,
    });
    if (response.status !== 200) throw new Error(`vend answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  };
  // The worker serves only the core: the bare calls send local-tokens' caller secret, as the core does.
  const sign = callerSecretsSigner(readCallerSecrets(join(stack.dataDir, CALLER_SECRET_FILE)));
  const worker = new GrpcWebPluginClient({ name: "local-tokens", baseUrl: stack.workerUrl, sign });
  const scopes = [{ provider: "local", action: "read", resource: "bench" }];
  const request = { scopes, subject: claims, ttlSeconds: 600 };
  const workerVend = async (serialized: Uint8Array) => {
    await worker.vend({ ...request, credentialId: randomUUID(), serialized });
  };
  return {
    vend,
    prepare: () => worker.prepare(request),
    workerVend,
    /** The worker's share of one vend as the broker makes it: one Vend with the preparation inline (protocol 1.2, canonical scope). */
    workerShare: async () => {
      const answer = await worker.vendWithPreparation({ ...request, credentialId: randomUUID() });
      if (answer.status !== "vended") throw new Error("the bench scope is canonical: the inline Vend must mint");
    },
  };
}

export async function benchVend(): Promise<void> {
  const profileDir = CPU_PROFILE_DIR ? resolve(CPU_PROFILE_DIR) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const stack = await startStackProcess(profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : []);
  let loadWindow: { from: number; vends: number } | undefined;
  try {
    const call = callers(stack);
    const serialized = (await call.prepare()).serialized!.serialized;
    const workerVendOnce = () => call.workerVend(serialized);

    for (let i = 0; i < WARMUP; i++) await call.vend();
    for (let i = 0; i < WARMUP; i++) await workerVendOnce();
    const broker = await timeEach(SEQUENTIAL, call.vend);
    const bare = await timeEach(SEQUENTIAL, workerVendOnce);

    // The worker's share of the stack's main thread: the inline Vend called bare, as the broker calls it.
    const workerStart = threadCpu(stack.pid);
    await throughput(CONCURRENT_TOTAL / 2, CONCURRENCY, call.workerShare);
    const workerCpu = cpuSince(stack.pid, workerStart);

    const loadFrom = performance.now() - stack.startedAt;
    const stackStart = threadCpu(stack.pid);
    const benchStart = process.cpuUsage();
    const perSecond = await throughput(CONCURRENT_TOTAL, CONCURRENCY, call.vend);
    const stackCpu = cpuSince(stack.pid, stackStart);
    const bench = process.cpuUsage(benchStart);
    loadWindow = { from: loadFrom, vends: CONCURRENT_TOTAL };

    const per = (total: number, n: number) => total / n;
    const workerMain = per(workerCpu.mainMs, CONCURRENT_TOTAL / 2);
    const stackMain = per(stackCpu.mainMs, CONCURRENT_TOTAL);
    console.log(`\nVend through the whole local stack (own process, embedded dynalite), ${SEQUENTIAL} sequential calls over loopback`);
    console.table({
      "POST /v1/vend (whole stack)": { p50: ms(broker.p50), p99: ms(broker.p99), target: "" },
      "worker Vend alone (gRPC-web)": { p50: ms(bare.p50), p99: ms(bare.p99), target: "" },
      "broker overhead": { p50: ms(broker.p50 - bare.p50), p99: ms(broker.p99 - bare.p99), target: "≤ 3 / ≤ 10 ms" },
    });
    console.log(
      `Throughput: ${perSecond.toFixed(0)} vends/s (${CONCURRENT_TOTAL} vends, ${CONCURRENCY} concurrent; no target: on Lambda throughput scales by environments, CPU per vend is what counts)`,
    );
    console.log("CPU per vend under that load (/proc schedstat of the stack process; the workers share its main thread)");
    console.table({
      "broker (main thread less the worker's share)": { "ms per vend": ms(stackMain - workerMain), target: "≤ 1.5 ms" },
      "stack main thread (broker + local-tokens worker)": { "ms per vend": ms(stackMain), target: "" },
      "  of which the worker (inline Vend called bare)": { "ms per vend": ms(workerMain), target: "" },
      "stack, every thread (+ dynalite thread, GC, libuv)": { "ms per vend": ms(per(stackCpu.totalMs, CONCURRENT_TOTAL)), target: "" },
      "load generator (this process)": { "ms per vend": ms(per((bench.user + bench.system) / 1000, CONCURRENT_TOTAL)), target: "" },
    });
  } finally {
    await stack.stop();
  }
  if (profileDir && loadWindow) printProfiles(profileDir, stack.pid, loadWindow);
}

/** The stack's profiles (one per thread, written as it exits: CPU.<date>.<time>.<pid>.<thread>.<n>), load phase only. */
function printProfiles(dir: string, pid: number, window: { from: number; vends: number }): void {
  const files = readdirSync(dir).filter((name) => name.includes(`.${pid}.`) && name.endsWith(".cpuprofile"));
  if (files.length === 0) throw new Error(`no .cpuprofile of process ${pid} in ${dir}`);
  for (const name of files.sort()) {
    const summary = summarizeCpuProfile(JSON.parse(readFileSync(join(dir, name), "utf8")), window.from);
    // tsx's module-loader thread idles through the load: leave it out.
    if (summary.busyMs < 0.01 * summary.idleMs) continue;
    const thread = name.split(".")[4] === "0" ? "main thread" : `worker thread ${name.split(".")[4]}`;
    console.log(
      `\nStack process, ${thread}, under the throughput load: ${join(dir, name)} (samples from ${(window.from / 1000).toFixed(1)} s on)`,
    );
    printCpuProfileSummary(summary, { vends: window.vends });
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) await benchVend();
