// The fresh processes of one cold vend (cold-vend-bench.ts): the worker's bundle behind its
// Function URL stand-in (function-url-host.mjs), the vend function's bundle invoked once with a
// Function URL event, and the no-broker path (a job's own AssumeRoleWithWebIdentity). Each reports
// epoch milliseconds (performance.timeOrigin + now), so times from different processes compare.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { REPO_ROOT } from "../../infra/paths.js";

const HOST = new URL("./function-url-host.mjs", import.meta.url).pathname;

export const epoch = () => performance.timeOrigin + performance.now();

/** The vend function's process: its bundle imported (Lambda's init), then one event (the first invocation). */
const VEND_DRIVER = (bundle: string, event: unknown) => `
const epoch = () => performance.timeOrigin + performance.now();
const mono = () => Number(process.hrtime.bigint() / 1000n);
const importStart = epoch(), monoImportStart = mono();
const { handler } = await import(${JSON.stringify(bundle)});
const importEnd = epoch(), monoImportEnd = mono();
const result = await handler(${JSON.stringify(event)}, { awsRequestId: "cold-1", functionName: "credvend-vend" });
const end = epoch(), monoEnd = mono();
let credential = {};
try { credential = JSON.parse(result.body).credential ?? {}; } catch {}
const report = { importStart, importEnd, end, monoImportStart, monoImportEnd, monoEnd, status: result.statusCode, serverTiming: result.headers?.["server-timing"] ?? null,
  credentialFields: Object.keys(credential).sort(), error: result.statusCode === 200 ? undefined : result.body };
process.stdout.write("\\n" + JSON.stringify({ coldVend: report }) + "\\n");
`;

/** A CI job's own way to AWS: the SDK's STS client imported, one AssumeRoleWithWebIdentity. */
const NO_BROKER_DRIVER = `
const epoch = () => performance.timeOrigin + performance.now();
const importStart = epoch();
const { STSClient, AssumeRoleWithWebIdentityCommand } = await import("@aws-sdk/client-sts");
const importEnd = epoch();
const sts = new STSClient({});
const answer = await sts.send(new AssumeRoleWithWebIdentityCommand({
  RoleArn: process.env.BENCH_ROLE_ARN, RoleSessionName: "ci-job", WebIdentityToken: process.env.BENCH_WEB_IDENTITY_TOKEN, DurationSeconds: 900 }));
const end = epoch();
process.stdout.write("\\n" + JSON.stringify({ noBroker: { importStart, importEnd, end, ok: Boolean(answer.Credentials?.SecretAccessKey) } }) + "\\n");
`;

export interface VendReport {
  readonly importStart: number;
  readonly importEnd: number;
  readonly end: number;
  /** The same three moments on the monotonic clock (process.hrtime, microseconds), as CPU profiles time samples. */
  readonly monoImportStart: number;
  readonly monoImportEnd: number;
  readonly monoEnd: number;
  readonly status: number;
  readonly serverTiming: string | null;
  readonly credentialFields: readonly string[];
  readonly error?: string;
}

export interface HostLine {
  readonly listening?: number;
  readonly importStart?: number;
  readonly importEnd?: number;
  readonly path?: string;
  readonly arrived?: number;
  readonly checkMs?: number;
  readonly invokeStart?: number;
  readonly invokeEnd?: number;
  readonly refused?: string;
}

export interface NoBrokerReport {
  readonly importStart: number;
  readonly importEnd: number;
  readonly end: number;
  readonly ok: boolean;
}

/** A child whose stdout and stderr are kept; the JSON lines under `key` are parsed. */
function watched(child: ChildProcess) {
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, "exit") as Promise<[number | null]>;
  const lines = <T>(key: string): T[] =>
    output
      .split("\n")
      .filter((line) => line.startsWith(`{"${key}":`))
      .map((line) => (JSON.parse(line) as Record<string, T>)[key]!);
  return { exited, lines, output: () => output };
}

export interface ColdVendProcesses {
  readonly spawnedAt: number;
  readonly vend: VendReport;
  readonly host: readonly HostLine[];
}

/** Spawns the worker and the vend function together, as a burst meets two cold environments. */
export async function runColdVend(options: {
  workerBundle: string;
  workerEnvironment: Record<string, string>;
  workerPort: number;
  callerSessionArn: string;
  region: string;
  vendBundle: string;
  vendEnvironment: Record<string, string>;
  event: unknown;
  /** Node flags of the vend process (--cpu-prof ...). */
  vendNodeFlags?: readonly string[];
}): Promise<ColdVendProcesses> {
  const spawnedAt = epoch();
  const worker = spawn(
    process.execPath,
    [HOST, options.workerBundle, String(options.workerPort), options.callerSessionArn, options.region],
    { cwd: REPO_ROOT, env: options.workerEnvironment, stdio: ["pipe", "pipe", "pipe"] },
  );
  const vend = spawn(
    process.execPath,
    [...(options.vendNodeFlags ?? []), "--input-type=module", "-e", VEND_DRIVER(options.vendBundle, options.event)],
    { cwd: REPO_ROOT, env: options.vendEnvironment, stdio: ["ignore", "pipe", "pipe"] },
  );
  const host = watched(worker);
  const fn = watched(vend);
  try {
    const [code] = await fn.exited;
    const report = fn.lines<VendReport>("coldVend")[0];
    if (code !== 0 || !report) throw new Error(`the vend process exited ${code}:\n${fn.output().slice(-3000)}`);
    if (report.status !== 200 || report.credentialFields.length === 0)
      throw new Error(`the cold vend answered ${report.status}: ${report.error}\nworker: ${host.output().slice(-2000)}`);
    return { spawnedAt, vend: report, host: host.lines<HostLine>("coldHost") };
  } finally {
    worker.stdin!.end();
    await host.exited;
  }
}

/** The no-broker path in a fresh process, from spawn to STS's answer. */
export async function runNoBroker(options: { motoEndpoint: string; region: string; roleArn: string; token: string }) {
  const spawnedAt = epoch();
  const child = spawn(process.execPath, ["--input-type=module", "-e", NO_BROKER_DRIVER], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      AWS_REGION: options.region,
      AWS_ENDPOINT_URL_STS: options.motoEndpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      BENCH_ROLE_ARN: options.roleArn,
      BENCH_WEB_IDENTITY_TOKEN: options.token,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const watch = watched(child);
  const [code] = await watch.exited;
  const report = watch.lines<NoBrokerReport>("noBroker")[0];
  if (code !== 0 || !report?.ok) throw new Error(`the no-broker process exited ${code}:\n${watch.output().slice(-3000)}`);
  return { spawnedAt, ...report };
}
