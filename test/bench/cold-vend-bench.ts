// Bench part: a cold vend, measured as deployed. Per run, from nothing warm, two fresh processes
// are spawned together, as a burst of jobs meets two cold Lambda environments: the aws-sts
// worker's bundle (built and signed as `build:workers` and `plugin sign` make it) behind a
// loopback stand-in for its IAM-auth Function URL (function-url-host.mjs: SigV4 checked, the vend
// role's session named in requestContext.authorizer.iam), and the vend function's bundle with the
// environment the stack gives it, invoked with one Function URL event. Its first vend fetches the
// issuer's JWKS over HTTP, verifies the signed worker (Ed25519, Lambda GetFunctionConfiguration on
// moto, Describe), calls the worker (SigV4), which calls STS on moto, and writes the ledger on
// DynamoDB Local. Timed from the spawn to the answer with credentials, with the split. Beside it,
// the no-broker path: a fresh `node` importing @aws-sdk/client-sts for one
// AssumeRoleWithWebIdentity against the same moto. Target: the cold vend ≤ 2× that.
// Alone: `npx tsx test/bench/cold-vend-bench.ts` (BENCH_COLD_RUNS, default 5; BENCH_CPU_PROF=<dir>
// profiles one more cold vend process and summarizes it).
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { randomUUID } from "node:crypto";
import { serve, type ServerType } from "@hono/node-server";
import { defaultDevClaims, loadOrCreateDevIssuer, type DevIssuer } from "../../cli/dev/dev-oidc-issuer.js";
import { REPO_ROOT } from "../../infra/paths.js";
import { motoMissing, startMotoServer } from "../support/moto-server.js";
import { freePort } from "../support/watched-process.js";
import { dynamoDbLocalForBench } from "./bench-dynamodb-local.js";
import { runColdVend, runNoBroker, type ColdVendProcesses } from "./cold-processes.js";
import { deployColdVend, REGION, VEND_SESSION_ARN, type ColdVendDeployment } from "./cold-vend-setup.js";
import { profilePhases } from "./cold-profile-phases.js";
import { printCpuProfileSummary, summarizeCpuProfile } from "./cpu-profile-summary.js";
import { ServerTimingBreakdown } from "./server-timing-breakdown.js";
import { benchWarmVendAsDeployed } from "./warm-vend-bench.js";

const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 5);
const PROFILE_DIR = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
const TITLE = "A cold vend, measured as deployed";

type Row = Record<string, number>;

export async function benchColdVend(): Promise<void> {
  const missing = motoMissing();
  if (missing) {
    console.log(`\n${TITLE} — skipped: ${missing}`);
    return;
  }
  const dynamodb = await dynamoDbLocalForBench();
  if ("skipped" in dynamodb) {
    console.log(`\n${TITLE} — skipped: ${dynamodb.skipped}`);
    return;
  }
  const moto = await startMotoServer();
  const dir = join(REPO_ROOT, ".cache", "bench", `cold-vend-${randomUUID()}`);
  let issuerServer: ServerType | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    let routes: ((request: Request) => Response | Promise<Response>) | undefined;
    const port = await new Promise<number>((done) => {
      issuerServer = serve({ fetch: (request) => routes!(request), port: 0, hostname: "127.0.0.1" }, (info) => done(info.port));
    });
    const issuer = await loadOrCreateDevIssuer({ dir, issuerUrl: `http://127.0.0.1:${port}` });
    const issuerApp = issuer.routes();
    routes = (request) => issuerApp.fetch(request);
    const deployment = await deployColdVend(
      { motoEndpoint: moto.endpoint, dynamodbEndpoint: dynamodb.endpoint, issuerUrl: issuer.issuerUrl },
      dir,
    );

    if (process.env.BENCH_WARM_ONLY !== "1") await coldRuns(deployment, issuer, moto.endpoint);
    await benchWarmVendAsDeployed(deployment, issuer, moto.endpoint);
  } finally {
    await new Promise<void>((done) => (issuerServer ? issuerServer.close(() => done()) : done()));
    rmSync(dir, { recursive: true, force: true });
    await moto.close();
    await dynamodb.close();
  }
}

async function coldRuns(deployment: ColdVendDeployment, issuer: DevIssuer, motoEndpoint: string): Promise<void> {
  // One untimed round first: the disk cache holds both bundles and node_modules, as it holds a
  // function's code after Lambda fetched it; every timed process is still a fresh one.
  await coldVend(deployment, issuer);
  await noBroker(deployment, issuer, motoEndpoint);
  const vends: ColdVendProcesses[] = [];
  const bare: Row[] = [];
  for (let run = 0; run < RUNS; run++) {
    vends.push(await coldVend(deployment, issuer));
    bare.push(await noBroker(deployment, issuer, motoEndpoint));
  }
  report(vends, bare, deployment);
  if (PROFILE_DIR) await profileColdVend(deployment, issuer, PROFILE_DIR);
}

/** A Function URL event of POST /v1/vend for aws:s3-read:acme-web-assets, with a token minted now. */
async function vendEvent(issuer: DevIssuer) {
  const claims = defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" });
  const token = await issuer.mint({ ...claims, repository: "acme/web", ref: "refs/heads/main", audience: "credvend", ttlSeconds: 3600 });
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/v1/vend",
    rawQueryString: "",
    headers: { host: "vend.lambda-url.us-east-1.on.aws", authorization: `Bearer ${token}`, "content-type": "application/json" },
    requestContext: {
      http: { method: "POST", path: "/v1/vend", protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "bench" },
      domainName: "vend.lambda-url.us-east-1.on.aws",
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      timeEpoch: Date.now(),
    },
    body: JSON.stringify({ scopes: ["aws:s3-read:acme-web-assets"], ttlSeconds: 900 }),
    isBase64Encoded: false,
  };
}

async function coldVend(deployment: ColdVendDeployment, issuer: DevIssuer, vendNodeFlags: readonly string[] = []) {
  const workerPort = await freePort();
  return runColdVend({
    workerBundle: deployment.workerBundle,
    workerEnvironment: deployment.workerEnvironment,
    workerPort,
    callerSessionArn: VEND_SESSION_ARN,
    region: REGION,
    vendBundle: deployment.vendBundle,
    vendEnvironment: deployment.vendEnvironment(`http://127.0.0.1:${workerPort}`),
    event: await vendEvent(issuer),
    vendNodeFlags,
  });
}

async function noBroker(deployment: ColdVendDeployment, issuer: DevIssuer, motoEndpoint: string): Promise<Row> {
  const claims = defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" });
  const token = await issuer.mint({
    ...claims,
    repository: "acme/web",
    ref: "refs/heads/main",
    audience: "sts.amazonaws.com",
    ttlSeconds: 3600,
  });
  const run = await runNoBroker({ motoEndpoint, region: REGION, roleArn: deployment.roleArn, token });
  return {
    "spawn → answer": run.end - run.spawnedAt,
    "node start": run.importStart - run.spawnedAt,
    "import @aws-sdk/client-sts": run.importEnd - run.importStart,
    "AssumeRoleWithWebIdentity (first call)": run.end - run.importEnd,
  };
}

/** One cold vend's split, in milliseconds. */
function split({ spawnedAt, vend, host }: ColdVendProcesses): Row {
  const init = host.find((line) => line.importEnd !== undefined);
  const calls = host.filter((line) => line.invokeEnd !== undefined);
  const firstCall = calls[0];
  if (!init || !firstCall) throw new Error("the worker's host reported no init or no call");
  return {
    "spawn → answer (end to end)": vend.end - spawnedAt,
    "vend: node start": vend.importStart - spawnedAt,
    "vend: import + init (bundle, config, compose)": vend.importEnd - vend.importStart,
    "vend: first invocation": vend.end - vend.importEnd,
    "worker: node start": init.importStart! - spawnedAt,
    "worker: import + init": init.importEnd! - init.importStart!,
    "worker: idle from its init to the first call": firstCall.arrived! - init.importEnd!,
    [`worker: its ${calls.length} invocations (${calls.map((c) => c.path!.split("/").at(-1)).join(", ")})`]: calls.reduce(
      (sum, c) => sum + (c.invokeEnd! - c.invokeStart!),
      0,
    ),
    "worker: the first invocation": firstCall.invokeEnd! - firstCall.invokeStart!,
    "Function URL front: SigV4 checks (outside the function on AWS)": calls.reduce((sum, c) => sum + c.checkMs!, 0),
  };
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function table(rows: readonly Row[]) {
  const out: Record<string, { min: string; median: string; max: string }> = {};
  for (const name of Object.keys(rows[0]!)) {
    const values = rows.map((row) => row[name] ?? NaN);
    out[name] = { min: ms(Math.min(...values)), median: ms(median(values)), max: ms(Math.max(...values)) };
  }
  return out;
}

function report(vends: readonly ColdVendProcesses[], bare: readonly Row[], deployment: ColdVendDeployment): void {
  const splits = vends.map(split);
  console.log(`\n${TITLE}: ${vends.length} cold vends of aws:s3-read (each two fresh processes), beside the no-broker path`);
  console.log(`Signed worker's code check: ${deployment.codeCheck}; ledger on DynamoDB Local; STS on moto`);
  console.table(table(splits));
  const stages = new ServerTimingBreakdown();
  for (const { vend } of vends) stages.add(vend.serverTiming, vend.end - vend.importEnd);
  console.log("The first invocation's Server-Timing (p99 column = the slowest of the runs):");
  console.table(stages.rows());
  console.log("The no-broker path: a fresh node, @aws-sdk/client-sts, one AssumeRoleWithWebIdentity on the same moto");
  console.table(table(bare));
  const cold = median(splits.map((row) => row["spawn → answer (end to end)"]!));
  const base = median(bare.map((row) => row["spawn → answer"]!));
  console.log(
    `Cold vend ${ms(cold)} vs no broker ${ms(base)} (medians): ${(cold / base).toFixed(2)}× (target ≤ 2×)` +
      `${(cold / base) <= 2 ? "" : " — over target"}`,
  );
}

/** One more cold vend with the vend process under --cpu-prof (the bundle as deployed), summarized. */
async function profileColdVend(deployment: ColdVendDeployment, issuer: DevIssuer, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  const { vend } = await coldVend(deployment, issuer, ["--cpu-prof", "--cpu-prof-dir", dir]);
  const name = readdirSync(dir).find((file) => !before.has(file) && file.endsWith(".cpuprofile"));
  if (!name) throw new Error(`no new .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, name), "utf8"));
  console.log(`\nThe cold vend process under --cpu-prof (its whole life: start, init, the first vend): ${join(dir, name)}`);
  const phases = [
    { name: "node start", endUs: vend.monoImportStart },
    { name: "import + init", endUs: vend.monoImportEnd },
    { name: "first invocation", endUs: vend.monoEnd + 1 },
  ];
  console.table(profilePhases(profile, phases, pathToFileURL(deployment.vendBundle).href));
  printCpuProfileSummary(summarizeCpuProfile(profile, 0), { top: 8 });
}

if (process.argv[1] === new URL(import.meta.url).pathname) await benchColdVend();
