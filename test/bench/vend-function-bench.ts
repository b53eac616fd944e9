// Bench part for the vend function as Lambda runs it (vend-function-process.ts): its bundle in a
// process of its own, invoked with Function URL events one after another, the ledger on DynamoDB
// Local, the local-tokens worker and an OIDC issuer in other processes. So the function's own CPU
// per vend is measured alone, with no HTTP server, store or worker in its process: the "broker
// CPU per vend" row. Alone: `npx tsx test/bench/vend-function-bench.ts`.
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { sigV4Signer } from "../../functions/adapters/plugins/sigv4-signer.js";
import { printCpuProfileSummary, summarizeCpuProfile } from "./cpu-profile-summary.js";
import { CREDENTIALS, ms, percentile, REGION, startVendFunctionBed, type VendFunctionBed } from "./vend-function-process.js";

const VENDS = Number(process.env.BENCH_FUNCTION_VENDS ?? 2000);
const WARMUP = 200;
const PROFILE_DIR = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;

export async function benchVendFunction(): Promise<void> {
  const bed = await startVendFunctionBed();
  if ("skipped" in bed) {
    console.log(`\nThe vend function as deployed — skipped: ${bed.skipped}`);
    return;
  }
  try {
    // Profiled, the function runs from source, so the profile names each package.
    const run = await bed.run({
      warmup: WARMUP,
      vends: VENDS,
      ...(PROFILE_DIR ? { nodeArgs: ["--cpu-prof", "--cpu-prof-dir", PROFILE_DIR], fromSource: true } : {}),
    });
    const alone = (await bareWorkerSamples(bed)).sort((a, b) => a - b);
    const fn = [...run.samples].sort((a, b) => a - b);
    console.log(
      `\nThe vend function as deployed: its bundle in a process of its own, ${VENDS} Function URL events one after another; ledger on ${bed.storeName}`,
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
      `Function CPU per vend (its main thread, /proc schedstat): ${ms(run.cpuMs / VENDS)} (target ≤ 2 ms); ` +
        `${(VENDS / (run.wallMs / 1000)).toFixed(0)} vends/s from one environment`,
    );
    if (PROFILE_DIR) printFunctionProfile(PROFILE_DIR, run.pid, run.measuredFromMs);
  } finally {
    await bed.close();
  }
}

/** The same worker called bare, as the function calls it (SigV4-signed gRPC-web Vend). */
async function bareWorkerSamples(bed: VendFunctionBed): Promise<number[]> {
  const bare = new GrpcWebPluginClient({
    name: "local-tokens",
    baseUrl: bed.workerUrl,
    sign: sigV4Signer({ region: REGION, credentials: CREDENTIALS }),
  });
  const request = { scopes: [{ provider: "local", action: "read", resource: "bench" }], subject: bed.claims, ttlSeconds: 600 };
  const serialized = (await bare.prepare(request)).serialized!.serialized;
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + VENDS; i++) {
    const start = performance.now();
    await bare.vend({ ...request, credentialId: randomUUID(), serialized });
    if (i >= WARMUP) samples.push(performance.now() - start);
  }
  return samples;
}

/** The function process's main-thread profile (CPU.<date>.<time>.<pid>.0.<n>.cpuprofile), measured events only. */
function printFunctionProfile(dir: string, pid: number, fromMs: number): void {
  const name = readdirSync(dir).find((file) => file.includes(`.${pid}.0.`) && file.endsWith(".cpuprofile"));
  if (!name) throw new Error(`no .cpuprofile of process ${pid} in ${dir}`);
  console.log(`\nThe vend function's process (from source under tsx), its ${VENDS} measured events: ${join(dir, name)}`);
  printCpuProfileSummary(summarizeCpuProfile(JSON.parse(readFileSync(join(dir, name), "utf8")), fromMs), { vends: VENDS });
}

if (process.argv[1] === new URL(import.meta.url).pathname) await benchVendFunction();
