// `npm run bench`: the broker's overhead over a bare worker call, throughput, and each Lambda
// bundle's size and module-init time. Targets (not tests): overhead ≤ 3 ms p50 / ≤ 10 ms p99,
// ≥ 500 vends/s on 2 cores, bundles ≤ 1 MB, init ≤ 150 ms. Signed workers (worker-trust-bench.ts):
// verification at cold start < 20 ms for 5 workers, and the gRPC-web round trip on loopback.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBundles } from "../../infra/bundles.js";
import { BENCH_POLICY_YAML, benchVend } from "./vend-bench.js";
import { benchWorkerTrust } from "./worker-trust-bench.js";
import { benchContainerCredentials } from "./container-credentials-bench.js";
import { benchPartnerBatch } from "./leak-response-bench.js";
import { synthesizedFunctionAssets } from "../../infra/asset-sizes.js";

const policyYaml = BENCH_POLICY_YAML;
const ms = (value: number) => `${value.toFixed(2)} ms`;

async function main(): Promise<void> {
  await benchVend();
  await benchWorkerTrust();
  await benchContainerCredentials();
  await benchPartnerBatch();

  const bundles = await buildBundles(mkdtempSync(join(tmpdir(), "credvend-bundles-")));
  const rows: Record<string, { size: string; init: string }> = {};
  for (const bundle of bundles) {
    const inits = [0, 1, 2].map(() => measureInit(bundle.outfile));
    rows[bundle.name] = { size: `${(bundle.bytes / 1024).toFixed(0)} KiB`, init: ms(Math.min(...inits)) };
  }
  console.log("\nLambda bundles (esbuild, minified ESM; init = fresh-process import(), best of 3; targets ≤ 1 MB, ≤ 150 ms)");
  console.table(rows);
  const example = new URL("../../infra/credvend.config.example.yaml", import.meta.url).pathname;
  const assets = Object.fromEntries(
    (await synthesizedFunctionAssets(example)).map((a) => [
      a.name,
      { "index.mjs": `${(a.codeBytes / 1024).toFixed(0)} KiB`, "asset (with source map)": `${(a.bytes / 1024).toFixed(0)} KiB` },
    ]),
  );
  console.log("\nCDK assets as `cdk synth -c config=infra/credvend.config.example.yaml` stages them (what `cdk deploy` uploads)");
  console.table(assets);
}

/** Module-init time of a bundle: a fresh Node process importing it with a plausible environment. */
function measureInit(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    env: {
      ...process.env,
      AWS_REGION: "us-east-1",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      CREDVEND_LEDGER_TABLE: "credvend-ledger",
      CREDVEND_POLICY: policyYaml,
      CREDVEND_WORKERS: JSON.stringify([{ name: "local-tokens", url: "https://worker.example", providers: ["local"] }]),
      LOCAL_TOKENS_TABLE: "credvend-local-tokens",
      // A dev-length placeholder so the webhooks entry can start; no delivery is verified here.
      CREDVEND_WEBHOOK_SECRETS: "bench-webhook-secret-0123456789",
    },
    // A bundle that fails to start would otherwise print its minified source as the error.
    stdio: ["ignore", "pipe", "pipe"],
  });
  return Number(out.toString());
}

await main();
