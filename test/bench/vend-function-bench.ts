// Bench part for the vend function as Lambda runs it: its bundle (what `cdk deploy` uploads)
// imported in a process of its own and invoked with Function URL events (payload 2.0), one after
// another as one Lambda environment serves them. Around it, in other processes: the ledger on
// DynamoDB Local (one TransactWriteItems per vend, as on AWS; fetched on first use, the part
// skipped with the command that makes it run where it cannot be: bench-dynamodb-local.ts), the
// local-tokens worker on loopback (SigV4-signed calls, as to a Function URL) and an OIDC issuer.
// So the function's own CPU per vend is measured alone, with no HTTP server, store or worker in
// its process: the "broker CPU per vend" row. Alone: `npx tsx test/bench/vend-function-bench.ts`.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { defaultDevClaims, loadOrCreateDevIssuer } from "../../cli/dev/dev-oidc-issuer.js";
import { localDynamoClient } from "../../cli/dev/local-dynamodb-client.js";
import { ensureLedgerTable } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { sigV4Signer } from "../../functions/adapters/plugins/sigv4-signer.js";
import { compiledPolicyJson } from "../../functions/core/policy/policy-yaml.js";
import { bundleLambda } from "../../infra/bundles.js";
import { REPO_ROOT } from "../../infra/paths.js";
import { MemoryLocalTokenStore } from "../../plugin-workers/local-tokens/memory-store.js";
import { startLocalTokensWorker } from "../../plugin-workers/local-tokens/serve.js";
import { dynamoDbLocalForBench } from "./bench-dynamodb-local.js";
import { printCpuProfileSummary, summarizeCpuProfile } from "./cpu-profile-summary.js";

const VENDS = Number(process.env.BENCH_FUNCTION_VENDS ?? 2000);
const WARMUP = 200;
const PROFILE_DIR = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
const LAMBDA_ENTRY = "functions/vend/lambda.ts";
const TABLE = "credvend-ledger";
const REGION = "us-east-1";
const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-real-secret" };

/** Runs in the function's process: the handler, the events one after another, its main thread's CPU from /proc. */
const DRIVER = (bundle: string, event: unknown, warmup: number, vends: number) => `
import { readFileSync } from "node:fs";
const mainThreadMs = () => Number(readFileSync("/proc/self/task/" + process.pid + "/schedstat", "utf8").split(" ")[0]) / 1e6;
const { handler } = await import(${JSON.stringify(bundle)});
const event = ${JSON.stringify(event)};
const call = async () => {
  const result = await handler(structuredClone(event), {});
  if (result.statusCode !== 200) throw new Error("vend answered " + result.statusCode + ": " + result.body);
};
for (let i = 0; i < ${warmup}; i++) await call();
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
process.stdout.write("\\n" + JSON.stringify({ samples, cpuMs, wallMs, measuredFromMs }));
`;

interface FunctionRun {
  readonly samples: number[];
  readonly cpuMs: number;
  readonly wallMs: number;
  /** When the measured events began, in ms since the function's process started. */
  readonly measuredFromMs: number;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (value: number) => `${value.toFixed(2)} ms`;

export async function benchVendFunction(): Promise<void> {
  const started = await dynamoDbLocalForBench();
  if ("skipped" in started) {
    console.log(`\nThe vend function as deployed — skipped: ${started.skipped}`);
    return;
  }
  const store = { ...started, name: "DynamoDB Local (TransactWriteItems, as on AWS)" };
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
  try {
    const issuer = await loadOrCreateDevIssuer({ dir: workDir, issuerUrl: `http://127.0.0.1:${port}` });
    const issuerApp = issuer.routes();
    routes = (request) => issuerApp.fetch(request);
    const client = localDynamoClient(store.endpoint);
    await ensureLedgerTable(client, TABLE);
    client.destroy();

    mkdirSync(bundleDir, { recursive: true });
    const { code } = await bundleLambda(LAMBDA_ENTRY);
    writeFileSync(join(bundleDir, "index.mjs"), code);

    const claims = defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" });
    const token = await issuer.mint({ ...claims, repository: "acme/web", ref: "refs/heads/main", audience: "credvend", ttlSeconds: 3600 });
    const body = JSON.stringify({ scopes: ["local:read:bench"], ttlSeconds: 600 });
    const event = {
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
    const policy = `version: 1
audience: credvend
issuers: [${issuer.issuerUrl}]
rules:
  - name: bench
    when: { repository: acme/web }
    allow: ["local:read:*"]
    maxTtl: 15m
`;
    // Its logs and metric lines go to a file, as Lambda's runtime takes them off a pipe without delay.
    const output = join(workDir, "function-output.log");
    const outputFd = openSync(output, "w");
    const child = spawn(
      process.execPath,
      [
        // Profiled, the function runs from source, so the profile names each package.
        ...(PROFILE_DIR ? ["--cpu-prof", "--cpu-prof-dir", PROFILE_DIR, "--import", "tsx"] : []),
        "--input-type=module",
        "-e",
        DRIVER(PROFILE_DIR ? join(REPO_ROOT, LAMBDA_ENTRY) : join(bundleDir, "index.mjs"), event, WARMUP, VENDS),
      ],
      {
        stdio: ["ignore", outputFd, outputFd],
        env: {
          PATH: process.env.PATH ?? "",
          AWS_REGION: REGION,
          AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
          AWS_ENDPOINT_URL_DYNAMODB: store.endpoint,
          CREDVEND_LEDGER_TABLE: TABLE,
          CREDVEND_POLICY: compiledPolicyJson(policy).json,
          CREDVEND_WORKERS: JSON.stringify([{ name: "local-tokens", url: worker.url, providers: ["local"], allowUnsigned: true }]),
        },
      },
    );
    const [exitCode] = (await once(child, "exit")) as [number | null];
    closeSync(outputFd);
    const lines = readFileSync(output, "utf8").trimEnd().split("\n");
    if (exitCode !== 0) throw new Error(`the function's process exited ${exitCode}:\n${lines.slice(-20).join("\n")}`);
    // The driver's answer is the last line, after the function's own log and metric lines.
    const run = JSON.parse(lines.at(-1) ?? "") as FunctionRun;

    // The same worker called bare, as the function calls it (SigV4-signed gRPC-web Vend).
    const bare = new GrpcWebPluginClient({
      name: "local-tokens",
      baseUrl: worker.url,
      sign: sigV4Signer({ region: REGION, credentials: CREDENTIALS }),
    });
    const request = { scopes: [{ provider: "local", action: "read", resource: "bench" }], subject: claims, ttlSeconds: 600 };
    const serialized = (await bare.prepare(request)).serialized!.serialized;
    const bareSamples: number[] = [];
    for (let i = 0; i < WARMUP + VENDS; i++) {
      const start = performance.now();
      await bare.vend({ ...request, credentialId: randomUUID(), serialized });
      if (i >= WARMUP) bareSamples.push(performance.now() - start);
    }

    const fn = [...run.samples].sort((a, b) => a - b);
    const alone = bareSamples.sort((a, b) => a - b);
    console.log(
      `\nThe vend function as deployed: its bundle in a process of its own, ${VENDS} Function URL events one after another; ledger on ${store.name}`,
    );
    console.table({
      "vend function (handler)": { p50: ms(percentile(fn, 50)), p99: ms(percentile(fn, 99)), target: "" },
      "worker Vend alone (gRPC-web)": { p50: ms(percentile(alone, 50)), p99: ms(percentile(alone, 99)), target: "" },
      "function overhead": {
        p50: ms(percentile(fn, 50) - percentile(alone, 50)),
        p99: ms(percentile(fn, 99) - percentile(alone, 99)),
        target: "≤ 3 / ≤ 10 ms",
      },
    });
    console.log(
      `Function CPU per vend (its main thread, /proc schedstat): ${ms(run.cpuMs / VENDS)} (target ≤ 1.5 ms); ` +
        `${(VENDS / (run.wallMs / 1000)).toFixed(0)} vends/s from one environment`,
    );
    if (PROFILE_DIR && child.pid !== undefined) printFunctionProfile(PROFILE_DIR, child.pid, run.measuredFromMs);
  } finally {
    rmSync(bundleDir, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
    await worker.close();
    await new Promise<void>((resolve) => (issuerServer ? issuerServer.close(() => resolve()) : resolve()));
    await store.close();
  }
}

/** The function process's main-thread profile (CPU.<date>.<time>.<pid>.0.<n>.cpuprofile), measured events only. */
function printFunctionProfile(dir: string, pid: number, fromMs: number): void {
  const name = readdirSync(dir).find((file) => file.includes(`.${pid}.0.`) && file.endsWith(".cpuprofile"));
  if (!name) throw new Error(`no .cpuprofile of process ${pid} in ${dir}`);
  console.log(`\nThe vend function's process (from source under tsx), its ${VENDS} measured events: ${join(dir, name)}`);
  printCpuProfileSummary(summarizeCpuProfile(JSON.parse(readFileSync(join(dir, name), "utf8")), fromMs), { vends: VENDS });
}

if (process.argv[1] === new URL(import.meta.url).pathname) await benchVendFunction();
