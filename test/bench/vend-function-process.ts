// The vend function as Lambda runs it, for the bench parts that measure it (vend-function-bench,
// memory-size-bench; runFunction runs a worker's bundle the same way): its bundle (what `cdk deploy` uploads) imported in a process of its own and
// invoked with Function URL events (payload 2.0), one after another as one Lambda environment
// serves them. Around it, in other processes: the ledger on DynamoDB Local (one TransactWriteItems
// per vend, as on AWS; fetched on first use, or a skip that says what makes it run:
// bench-dynamodb-local.ts), the local-tokens worker on loopback (SigV4-signed calls, as to a
// Function URL) and an OIDC issuer. No HTTP server, store or worker in the function's process.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { defaultDevClaims, loadOrCreateDevIssuer } from "../../cli/dev/dev-oidc-issuer.js";
import { localDynamoClient } from "../../cli/dev/local-dynamodb-client.js";
import { ensureLedgerTable } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import { compiledPolicyJson } from "../../functions/core/policy/policy-yaml.js";
import { bundleLambda } from "../../infra/bundles.js";
import { REPO_ROOT } from "../../infra/paths.js";
import { MemoryLocalTokenStore } from "../../plugin-workers/local-tokens/memory-store.js";
import { startLocalTokensWorker } from "../../plugin-workers/local-tokens/serve.js";
import { dynamoDbLocalForBench } from "./bench-dynamodb-local.js";

export const LAMBDA_ENTRY = "functions/vend/lambda.ts";
export const REGION = "us-east-1";
export const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-real-secret" };
const TABLE = "credvend-ledger";

/** Runs in the function's process: the handler, the events one after another, its main thread's CPU from /proc. */
const DRIVER = (bundle: string, event: unknown, warmup: number, vends: number) => `
import { readFileSync } from "node:fs";
const mainThreadMs = () => Number(readFileSync("/proc/self/task/" + process.pid + "/schedstat", "utf8").split(" ")[0]) / 1e6;
const { handler } = await import(${JSON.stringify(bundle)});
const importedAtMs = performance.now();
const event = ${JSON.stringify(event)};
// A gRPC-web answer (a worker's) is 200 whatever the outcome: its grpc-status, in a header or the
// trailer frame at the end of the body, must be 0 too.
const grpcStatus = (result) => {
  const trailer = result.body && (result.isBase64Encoded ? Buffer.from(result.body, "base64").toString("latin1") : result.body);
  return result.headers?.["grpc-status"] ?? /grpc-status:\\s*(\\d+)/.exec(trailer ?? "")?.[1];
};
const call = async () => {
  const result = await handler(structuredClone(event), {});
  const status = grpcStatus(result);
  if (result.statusCode !== 200 || (status !== undefined && status !== "0"))
    throw new Error("the function answered " + result.statusCode + " (grpc-status " + status + "): " + result.body);
};
await call();
const firstVendMs = performance.now() - importedAtMs;
for (let i = 1; i < ${warmup}; i++) await call();
const samples = [];
const cpuFrom = mainThreadMs();
const began = performance.now();
const measuredFromMs = began;
for (let i = 0; i < ${vends}; i++) {
  const start = performance.now();
  await call();
  samples.push(performance.now() - start);
}
const wallMs = performance.now() - began;
const cpuMs = mainThreadMs() - cpuFrom;
const peakRssMb = Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))[1]) / 1024;
process.stdout.write("\\n" + JSON.stringify({ samples, cpuMs, wallMs, measuredFromMs, importedAtMs, firstVendMs, peakRssMb }));
`;

export interface FunctionRun {
  readonly samples: number[];
  readonly cpuMs: number;
  readonly wallMs: number;
  /** When the measured events began, in ms since the function's process started. */
  readonly measuredFromMs: number;
  /** Node's start and the bundle's import: ms from the process's start to the handler in hand. */
  readonly importedAtMs: number;
  /** The first event, right after the import (the rest of a cold start: clients, keys, connections). */
  readonly firstVendMs: number;
  /** The process's peak resident memory (VmHWM): what a Lambda memory size must hold. */
  readonly peakRssMb: number;
  readonly pid: number;
}

export interface FunctionRunOptions {
  /** Events before the measured ones; the first of them is `firstVendMs`. At least 1. */
  readonly warmup: number;
  readonly vends: number;
  /** Node options before the driver (a profiler); with `fromSource` the entry runs under tsx. */
  readonly nodeArgs?: readonly string[];
  readonly fromSource?: boolean;
  /** Starts the process through this command line instead (e.g. into a CPU-limited cgroup): prefix + node + its arguments. */
  readonly launcher?: readonly string[];
}

export interface VendFunctionBed {
  readonly storeName: string;
  readonly workerUrl: string;
  /** The claims of the token in every event. */
  readonly claims: Record<string, string>;
  run(options: FunctionRunOptions): Promise<FunctionRun>;
  close(): Promise<void>;
}

/** Starts what surrounds the function and bundles it; `{ skipped }` where DynamoDB Local cannot run. */
export async function startVendFunctionBed(): Promise<VendFunctionBed | { skipped: string }> {
  const started = await dynamoDbLocalForBench();
  if ("skipped" in started) return started;
  const worker = await startLocalTokensWorker({ store: new MemoryLocalTokenStore() });
  let routes: ((request: Request) => Response | Promise<Response>) | undefined;
  let issuerServer: ServerType | undefined;
  const port = await new Promise<number>((resolve) => {
    issuerServer = serve({ fetch: (request) => routes!(request), port: 0, hostname: "127.0.0.1" }, (info) => resolve(info.port));
  });
  const workDir = mkdtempSync(join(tmpdir(), "credvend-function-bench-"));
  // The bundle leaves `@aws-sdk/*` to the Lambda runtime: beside the repository's node_modules it
  // finds the pinned copy, as the function finds the runtime's.
  const bundleDir = join(REPO_ROOT, ".cache", "bench", randomUUID());
  const close = async () => {
    rmSync(bundleDir, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
    await worker.close();
    await new Promise<void>((resolve) => (issuerServer ? issuerServer.close(() => resolve()) : resolve()));
    await started.close();
  };
  try {
    const issuer = await loadOrCreateDevIssuer({ dir: workDir, issuerUrl: `http://127.0.0.1:${port}` });
    const issuerApp = issuer.routes();
    routes = (request) => issuerApp.fetch(request);
    const client = localDynamoClient(started.endpoint);
    await ensureLedgerTable(client, TABLE);
    client.destroy();

    mkdirSync(bundleDir, { recursive: true });
    const { code } = await bundleLambda(LAMBDA_ENTRY);
    writeFileSync(join(bundleDir, "index.mjs"), code);

    const claims = defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" });
    const token = await issuer.mint({ ...claims, repository: "acme/web", ref: "refs/heads/main", audience: "credvend", ttlSeconds: 3600 });
    const event = functionUrlEvent(token, JSON.stringify({ scopes: ["local:read:bench"], ttlSeconds: 600 }));
    const environment = functionEnvironment(started.endpoint, worker.url, issuer.issuerUrl);
    return {
      storeName: "DynamoDB Local (TransactWriteItems, as on AWS)",
      workerUrl: worker.url,
      claims,
      run: (options) =>
        runFunction(options, {
          workDir,
          event,
          environment,
          bundle: options.fromSource ? join(REPO_ROOT, LAMBDA_ENTRY) : join(bundleDir, "index.mjs"),
        }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function functionUrlEvent(token: string, body: string): unknown {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/v1/vend",
    rawQueryString: "",
    headers: { host: "x.lambda-url.us-east-1.on.aws", authorization: `Bearer ${token}`, "content-type": "application/json" },
    requestContext: {
      http: { method: "POST", path: "/v1/vend", protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "bench" },
      domainName: "x.lambda-url.us-east-1.on.aws",
      requestId: "r",
      routeKey: "$default",
      stage: "$default",
    },
    body,
    isBase64Encoded: false,
  };
}

function functionEnvironment(ledgerEndpoint: string, workerUrl: string, issuerUrl: string): Record<string, string> {
  const policy = `version: 1
audience: credvend
issuers: [${issuerUrl}]
rules:
  - name: bench
    when: { repository: acme/web }
    allow: ["local:read:*"]
    maxTtl: 15m
`;
  return {
    PATH: process.env.PATH ?? "",
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    AWS_ENDPOINT_URL_DYNAMODB: ledgerEndpoint,
    CREDVEND_LEDGER_TABLE: TABLE,
    CREDVEND_POLICY: compiledPolicyJson(policy).json,
    CREDVEND_WORKERS: JSON.stringify([{ name: "local-tokens", url: workerUrl, providers: ["local"], allowUnsigned: true }]),
  };
}

/** A Lambda bundle to run as one environment: the same event again and again, in this environment. */
export interface FunctionProcess {
  /** Where its output goes (a file per run, removed after). */
  readonly workDir: string;
  readonly event: unknown;
  readonly environment: Record<string, string>;
  /** The bundle's path (or, with `fromSource`, the entry's). */
  readonly bundle: string;
}

export async function runFunction(options: FunctionRunOptions, process_: FunctionProcess): Promise<FunctionRun> {
  // Its logs and metric lines go to a file, as Lambda's runtime takes them off a pipe without delay.
  const output = join(process_.workDir, `function-output-${randomUUID()}.log`);
  const outputFd = openSync(output, "w");
  const nodeArgs = [
    ...(options.nodeArgs ?? []),
    ...(options.fromSource ? ["--import", "tsx"] : []),
    "--input-type=module",
    "-e",
    DRIVER(process_.bundle, process_.event, Math.max(1, options.warmup), options.vends),
  ];
  const [command, ...args] = [...(options.launcher ?? []), process.execPath, ...nodeArgs];
  const child = spawn(command!, args, { stdio: ["ignore", outputFd, outputFd], env: process_.environment });
  const [exitCode] = (await once(child, "exit")) as [number | null];
  closeSync(outputFd);
  const lines = readFileSync(output, "utf8").trimEnd().split("\n");
  rmSync(output, { force: true });
  // A minified bundle's stack trace quotes whole lines of it: each line is cut short.
  const tail = lines.slice(-20).map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line));
  if (exitCode !== 0) throw new Error(`the function's process exited ${exitCode}:\n${tail.join("\n")}`);
  // The driver's answer is the last line, after the function's own log and metric lines.
  return { ...(JSON.parse(lines.at(-1) ?? "") as Omit<FunctionRun, "pid">), pid: child.pid ?? -1 };
}

export const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
export const ms = (value: number) => `${value.toFixed(2)} ms`;
