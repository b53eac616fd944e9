// Bench part: which Lambda memory size for the vend function and the aws-sts worker. Lambda gives
// a function CPU in proportion to its memory (1,769 MB = one vCPU) and bills memory × duration, so
// a size is a trade between latency and cost. Here each bundle runs in its own process (vend-function-process.ts,
// aws-sts-worker-process.ts) held to the CPU share each size buys (cpu-quota.ts: the kernel's CFS
// bandwidth control, as Lambda's), and for each size: its cold start (Node's start and the import,
// then the first call; what it calls already warm in other processes), its warm calls' p50/p99,
// its peak RSS and the cost of a million calls at the prices below. Sizes run in turn,
// BENCH_MEMORY_RUNS rounds, so a busy moment of the machine lands on every size. The table and the
// defaults chosen from it: docs/memory-sizing.md. Alone: `npx tsx test/bench/memory-size-bench.ts`
// (`vend` or `aws-sts` after it: that one only).
import { cpus, loadavg } from "node:os";
import { startAwsStsWorkerBed } from "./aws-sts-worker-process.js";
import { cpuQuota, type CpuQuota } from "./cpu-quota.js";
import { ms, percentile, startVendFunctionBed, type FunctionRun, type FunctionRunOptions } from "./vend-function-process.js";

const SIZES_MB = [128, 256, 512, 1024, 1769] as const;
/** Lambda's size with one full vCPU; a size's CPU share is memory / this. */
const FULL_VCPU_MB = 1769;
const RUNS = Number(process.env.BENCH_MEMORY_RUNS ?? 3);
const VENDS = Number(process.env.BENCH_MEMORY_VENDS ?? 300);
const WARMUP = 100;
const PERIOD_MS = Number(process.env.BENCH_CPU_PERIOD_MS ?? 100);
/**
 * The criterion for a default (docs/memory-sizing.md): among the sizes that hold the process's
 * peak RSS, the fastest (warm p50) whose cost per call is within this of the cheapest's. Beside it
 * the other common one: the smallest size whose warm p50 is within P50_TOLERANCE of the full vCPU's.
 */
const COST_TOLERANCE = 0.1;
const P50_TOLERANCE = 0.15;

/**
 * Inputs, not facts this code can check: AWS Lambda's on-demand list prices for us-east-1, first
 * tier, as published since 2020 (x86) and 2021 (arm64, what credvend deploys); not re-checked
 * online on the day of the run. Duration is billed per 1 ms, rounded up, per invocation.
 */
const PRICES = {
  x86PerGbSecond: 0.0000166667,
  arm64PerGbSecond: 0.0000133334,
  perMillionRequests: 0.2,
};

interface SizeResult {
  readonly memoryMb: number;
  readonly runs: FunctionRun[];
}

export async function benchMemorySizes(only?: string): Promise<void> {
  const quota = cpuQuota(PERIOD_MS);
  if ("unavailable" in quota) {
    console.log(`\nLambda memory sizes — skipped: ${quota.unavailable}`);
    return;
  }
  try {
    if (only !== "aws-sts")
      await measureSizes(quota, {
        name: "the vend function",
        around: "ledger on DynamoDB Local (TransactWriteItems, as on AWS), the local-tokens worker in another process",
        start: startVendFunctionBed,
      });
    if (only !== "vend")
      await measureSizes(quota, {
        name: "the aws-sts worker",
        around: "one gRPC-web Vend (preparation inline) as the vend function sends it, STS on moto in another process",
        start: startAwsStsWorkerBed,
      });
  } finally {
    quota.close();
  }
}

interface Measured {
  readonly name: string;
  /** What runs around it, for the output. */
  readonly around: string;
  start(): Promise<{ run(options: FunctionRunOptions): Promise<FunctionRun>; close(): Promise<void> } | { skipped: string }>;
}

async function measureSizes(quota: CpuQuota, measured: Measured): Promise<void> {
  const title = `Lambda memory size for ${measured.name}`;
  const bed = await measured.start();
  if ("skipped" in bed) {
    console.log(`\n${title} — skipped: ${bed.skipped}`);
    return;
  }
  const results: SizeResult[] = SIZES_MB.map((memoryMb) => ({ memoryMb, runs: [] }));
  try {
    for (let round = 0; round < RUNS; round++) {
      for (const result of results) {
        quota.set(result.memoryMb / FULL_VCPU_MB);
        result.runs.push(await bed.run({ warmup: WARMUP, vends: VENDS, launcher: quota.launcher }));
      }
    }
  } finally {
    await bed.close();
  }
  const [load1] = loadavg();
  console.log(
    `\n${title}: its bundle in a process held to memory/${FULL_VCPU_MB} of one CPU by ${quota.how}; ` +
      `${RUNS} cold starts and ${RUNS} × ${VENDS} warm calls per size (sizes in turn); ${measured.around}; ` +
      `${cpus().length} cores, load average ${load1?.toFixed(2)}${(load1 ?? 0) > cpus().length ? " (a loaded machine)" : ""}`,
  );
  const sizes = results.map(summarize);
  console.table(Object.fromEntries(sizes.map((size) => [`${size.memoryMb} MB`, size.row])));
  console.log(
    `Cost: warm calls' billed ms (each rounded up to 1 ms) × GB × price per GB-s + $${PRICES.perMillionRequests} per 1M requests; ` +
      `x86 $${PRICES.x86PerGbSecond}, arm64 $${PRICES.arm64PerGbSecond} per GB-s (us-east-1 list prices, inputs).\n${choices(sizes)}`,
  );
}

interface SizeSummary {
  readonly memoryMb: number;
  readonly p50: number;
  /** Per 1M warm calls, arm64 (what credvend deploys). */
  readonly cost: number;
  /** The process's peak RSS fits in the size. */
  readonly fits: boolean;
  readonly row: Record<string, string>;
}

function summarize({ memoryMb, runs }: SizeResult): SizeSummary {
  const warm = runs.flatMap((run) => run.samples).sort((a, b) => a - b);
  const median = (values: number[]) =>
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    );
  const billedSeconds = warm.reduce((sum, sample) => sum + Math.ceil(sample), 0) / 1000 / warm.length;
  const costPerMillion = (pricePerGbSecond: number) =>
    1e6 * billedSeconds * (memoryMb / 1024) * pricePerGbSecond + PRICES.perMillionRequests;
  const peakRssMb = Math.max(...runs.map((run) => run.peakRssMb));
  const fits = peakRssMb < memoryMb;
  return {
    memoryMb,
    p50: percentile(warm, 50),
    cost: costPerMillion(PRICES.arm64PerGbSecond),
    fits,
    row: {
      "CPU share": `${((100 * memoryMb) / FULL_VCPU_MB).toFixed(1)} %`,
      "init (start+import)": ms(median(runs.map((run) => run.importedAtMs))),
      "first call": ms(median(runs.map((run) => run.firstVendMs))),
      "warm p50": ms(percentile(warm, 50)),
      "warm p99": ms(percentile(warm, 99)),
      "CPU/call": ms(runs.reduce((sum, run) => sum + run.cpuMs, 0) / warm.length),
      "1M calls x86": `$${costPerMillion(PRICES.x86PerGbSecond).toFixed(2)}`,
      "1M calls arm64": `$${costPerMillion(PRICES.arm64PerGbSecond).toFixed(2)}`,
      "peak RSS": `${peakRssMb.toFixed(0)} MB${fits ? "" : " (does not fit)"}`,
    },
  };
}

/** What each criterion picks, among the sizes that hold the peak RSS. */
function choices(sizes: readonly SizeSummary[]): string {
  const fitting = sizes.filter((size) => size.fits);
  if (fitting.length === 0) return "No size measured holds the process's peak RSS.";
  const cheapest = fitting.reduce((best, size) => (size.cost < best.cost ? size : best));
  const fastestNearCheapest = fitting
    .filter((size) => size.cost <= cheapest.cost * (1 + COST_TOLERANCE))
    .reduce((best, size) => (size.p50 < best.p50 ? size : best));
  const full = sizes.at(-1)!;
  const nearFull = fitting.find((size) => size.p50 <= full.p50 * (1 + P50_TOLERANCE)) ?? full;
  return (
    `Cheapest: ${cheapest.memoryMb} MB. Fastest within ${COST_TOLERANCE * 100} % of its cost (the criterion for the defaults): ` +
    `${fastestNearCheapest.memoryMb} MB. Smallest with a warm p50 within ${P50_TOLERANCE * 100} % of ${FULL_VCPU_MB} MB's: ${nearFull.memoryMb} MB.`
  );
}

if (process.argv[1] === new URL(import.meta.url).pathname) await benchMemorySizes(process.argv[2]);
