// Bench part: an AWS vend as deployed, warm, beside the no-broker path. The vend function's bundle
// and the signed aws-sts worker's bundle each run in a process of their own behind a loopback
// Function URL stand-in (function-url-host.mjs: the vend URL public, the worker's AWS_IAM with
// SigV4 checked), with the stack's environment, the ledger on DynamoDB Local (one
// TransactWriteItems, as on AWS) and STS on moto: no `credvend dev`, no embedded store, no sandbox.
// From this process, vends over HTTP interleaved call for call with a CI job's own
// AssumeRoleWithWebIdentity (a warm STS client, the same token's claims, the same moto), so both
// meet the same machine. Run by cold-vend-bench.ts on its deployment; target: p50 ≤ 2×.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { defaultDevClaims, type DevIssuer } from "../../cli/dev/dev-oidc-issuer.js";
import { REPO_ROOT } from "../../infra/paths.js";
import { freePort } from "../support/watched-process.js";
import type { ColdVendDeployment } from "./cold-vend-setup.js";
import { REGION, VEND_SESSION_ARN } from "./cold-vend-setup.js";
import { ServerTimingBreakdown } from "./server-timing-breakdown.js";

const HOST = new URL("./function-url-host.mjs", import.meta.url).pathname;
const VENDS = Number(process.env.BENCH_WARM_VENDS ?? 200);
const WARMUP = 50;
const TITLE = "An AWS vend as deployed, warm";

/** A Function URL stand-in serving `bundle` on `port`; its output is drained (kept for errors). */
async function host(bundle: string, port: number, caller: string, env: Record<string, string>) {
  const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROF] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, HOST, bundle, String(port), caller, REGION], {
    cwd: REPO_ROOT,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let tail = "";
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000));
  // Each invocation's report line: the front's SigV4 check and the handler's own time.
  const invocations: { checkMs: number; handlerMs: number }[] = [];
  let partial = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    keep(chunk);
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.startsWith('{"coldHost":')) continue;
      const report = (JSON.parse(line) as { coldHost: { checkMs?: number; invokeStart?: number; invokeEnd?: number } }).coldHost;
      if (report.invokeStart !== undefined && report.invokeEnd !== undefined)
        invocations.push({ checkMs: report.checkMs ?? 0, handlerMs: report.invokeEnd - report.invokeStart });
    }
  });
  child.stderr!.on("data", keep);
  const exited = once(child, "exit");
  // Listening is reported before the bundle is imported; a request made early waits for it.
  for (let i = 0; !tail.includes('"listening"'); i++) {
    if (child.exitCode !== null || i > 500) throw new Error(`the Function URL stand-in for ${bundle} did not listen:\n${tail}`);
    await new Promise((done) => setTimeout(done, 20));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    /** The process's CPU time so far (user + system), from /proc. */
    cpuMs: () => processCpuMs(child.pid!),
    output: () => tail,
    /** The invocations reported since the last call, taken. */
    takeInvocations: () => invocations.splice(0),
    stop: async () => {
      child.stdin!.end();
      await exited;
    },
  };
}

/** CPU time so far (utime + stime, fields 14 and 15 of a /proc stat file, in 100 Hz clock ticks), in ms. */
function cpuMsOf(statFile: string): number {
  const stat = readFileSync(statFile, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A process's CPU time: all its threads (V8's helpers and libuv's pool, which runs WebCrypto) and its main thread. */
const processCpuMs = (pid: number) => ({ all: cpuMsOf(`/proc/${pid}/stat`), main: cpuMsOf(`/proc/${pid}/task/${pid}/stat`) });

const p50 = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export async function benchWarmVendAsDeployed(deployment: ColdVendDeployment, issuer: DevIssuer, motoEndpoint: string): Promise<void> {
  const [workerPort, vendPort] = [await freePort(), await freePort()];
  const worker = await host(deployment.workerBundle, workerPort, VEND_SESSION_ARN, deployment.workerEnvironment);
  const vend = await host(deployment.vendBundle, vendPort, "none", deployment.vendEnvironment(`http://127.0.0.1:${workerPort}`));
  const sts = new STSClient({ region: REGION, endpoint: motoEndpoint, credentials: { accessKeyId: "none", secretAccessKey: "none" } });
  try {
    const claims = {
      ...defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" }),
      repository: "acme/web",
      ref: "refs/heads/main",
    };
    const vendToken = await issuer.mint({ ...claims, audience: "credvend", ttlSeconds: 3600 });
    const stsToken = await issuer.mint({ ...claims, audience: "sts.amazonaws.com", ttlSeconds: 3600 });
    const body = JSON.stringify({ scopes: ["aws:s3-read:acme-web-assets"], ttlSeconds: 900 });
    const oneVend = async () => {
      const start = performance.now();
      const response = await fetch(`${vend.url}/v1/vend`, {
        method: "POST",
        headers: { authorization: `Bearer ${vendToken}`, "content-type": "application/json" },
        body,
      });
      const answer = await response.text();
      const wallMs = performance.now() - start;
      if (response.status !== 200) throw new Error(`the warm vend answered ${response.status}: ${answer}\n${vend.output()}`);
      return { header: response.headers.get("server-timing"), wallMs };
    };
    let session = 0;
    const noBroker = async () => {
      const start = performance.now();
      const answer = await sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: deployment.roleArn,
          RoleSessionName: `ci-job-${session++}`,
          WebIdentityToken: stsToken,
          DurationSeconds: 900,
        }),
      );
      if (!answer.Credentials?.SecretAccessKey) throw new Error("AssumeRoleWithWebIdentity answered without credentials");
      return performance.now() - start;
    };
    for (let i = 0; i < WARMUP; i++) {
      await oneVend();
      await noBroker();
    }
    const stages = new ServerTimingBreakdown();
    const bare: number[] = [];
    const cpuBefore = { vend: vend.cpuMs(), worker: worker.cpuMs() };
    vend.takeInvocations();
    worker.takeInvocations();
    for (let i = 0; i < VENDS; i++) {
      const { header, wallMs } = await oneVend();
      stages.add(header, wallMs);
      bare.push(await noBroker());
    }
    const perVend = (before: { all: number; main: number }, after: { all: number; main: number }) =>
      `${((after.all - before.all) / VENDS).toFixed(2)} ms (main thread ${((after.main - before.main) / VENDS).toFixed(2)})`;
    const cpu = { vend: perVend(cpuBefore.vend, vend.cpuMs()), worker: perVend(cpuBefore.worker, worker.cpuMs()) };
    // A report line is written after the answer: wait for the last ones.
    await new Promise((done) => setTimeout(done, 200));
    const [vendCalls, workerCalls] = [vend.takeInvocations(), worker.takeInvocations()];
    console.log(
      `\n${TITLE}: ${VENDS} vends of aws:s3-read over HTTP, each followed by a no-broker AssumeRoleWithWebIdentity ` +
        "(vend function and signed aws-sts worker each behind a Function URL stand-in; ledger on DynamoDB Local; STS on moto)",
    );
    console.table(stages.rows());
    console.log(stages.coverage());
    const row = (values: number[]) => ({
      p50: `${p50(values).toFixed(2)} ms`,
      mean: `${(values.reduce((a, b) => a + b, 0) / values.length).toFixed(2)} ms`,
    });
    console.log("Inside the stand-ins (their report lines):");
    console.table({
      "vend function: its handler (event in, result out)": row(vendCalls.map((call) => call.handlerMs)),
      "worker: its Function URL front's SigV4 check": row(workerCalls.map((call) => call.checkMs)),
      "worker: its handler (Vend, STS on moto included)": row(workerCalls.map((call) => call.handlerMs)),
    });
    console.log(
      `CPU per vend (user + system, all threads, the Function URL stand-in included): vend function ${cpu.vend}, aws-sts worker ${cpu.worker}`,
    );
    const vendP50 = p50(stages.wallTimes());
    const bareP50 = p50(bare);
    console.log(
      `AWS vend as deployed beside the no-broker path, p50: ${vendP50.toFixed(2)} ms vs ${bareP50.toFixed(2)} ms = ` +
        `${(vendP50 / bareP50).toFixed(2)}× (target ≤ 2.0×); the broker adds ${(vendP50 - bareP50).toFixed(2)} ms`,
    );
  } finally {
    sts.destroy();
    await vend.stop();
    await worker.stop();
  }
}
