// Bundle rows of `npm run bench`: each Lambda bundle's size against its budget and target, its
// module import time in a fresh process (best of several) against its target, with Node's own
// start shown apart, and each function's code as `cdk synth` stages it (what `cdk deploy` uploads).
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { allLambdaBundles, kib, measureBundle } from "../../infra/bundle-budgets.js";
import { bundleLambda } from "../../infra/bundles.js";
import { synthesizedFunctionAssets } from "../../infra/asset-sizes.js";

const RUNS = Number(process.env.BENCH_IMPORT_RUNS ?? 7);
const POLICY_JSON = JSON.stringify({
  version: 1,
  audience: "credvend",
  issuers: ["https://token.actions.githubusercontent.com"],
  rules: [{ name: "bench", when: { repository: "acme/web" }, allow: ["local:read:*"], maxTtl: "15m" }],
});

/** What Lambda gives each function, enough for every entry to initialize (no request is served). */
const LAMBDA_ENV = {
  PATH: process.env.PATH ?? "",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "not-a-real-secret",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  CREDVEND_LEDGER_TABLE: "credvend-ledger",
  CREDVEND_POLICY: POLICY_JSON,
  CREDVEND_WORKERS: JSON.stringify([{ name: "local-tokens", url: "https://worker.example", providers: ["local"] }]),
  // A dev-length placeholder so the webhooks entry can start; nothing is verified here.
  CREDVEND_WEBHOOK_SECRETS: "bench-webhook-secret-0123456789",
  CREDVEND_ALERT_POLL_WATCH: "acme",
  CREDVEND_ALLOWED_CALLERS: JSON.stringify(["arn:aws:iam::111122223333:role/credvend-vend"]),
  LOCAL_TOKENS_TABLE: "credvend-local-tokens",
  CREDVEND_AWS_ROLE_ARN: "arn:aws:iam::111122223333:role/credvend-vended",
  GITHUB_APP_ID: "12345",
  GITHUB_APP_PRIVATE_KEY_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:credvend/bench/github-app-private-key",
};

/**
 * The github worker reads its App key from Secrets Manager at cold start, as on Lambda: a loopback
 * stand-in answers GetSecretValue (a round trip of a millisecond or two, inside its import time).
 */
async function secretsManagerStandIn(): Promise<{ url: string; close(): Promise<void> }> {
  const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const server = createServer((request, response) => {
    request.resume().on("end", () => {
      response.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      response.end(JSON.stringify({ ARN: LAMBDA_ENV.GITHUB_APP_PRIVATE_KEY_SECRET_ARN, Name: "x", SecretString: pem, VersionId: "v1" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// Node's own start = performance.now() when the script begins (time since the process began);
// import = around `await import()` alone.
const PROBE = (file: string) =>
  `const start = performance.now(); await import(${JSON.stringify(file)}); ` +
  `process.stdout.write(JSON.stringify({ start, importMs: performance.now() - start }));`;

interface ImportTiming {
  readonly nodeStartMs: number;
  readonly importMs: number;
  readonly processMs: number;
}

/** Best of `RUNS` fresh processes, one after another: the least disturbed by whatever else the machine does. */
async function importTiming(file: string, env: Record<string, string>): Promise<ImportTiming> {
  const runs: ImportTiming[] = [];
  for (let i = 0; i < RUNS; i++) {
    const began = performance.now();
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", PROBE(file)], { env });
    const processMs = performance.now() - began;
    const { start, importMs } = JSON.parse(stdout) as { start: number; importMs: number };
    runs.push({ nodeStartMs: start, importMs, processMs });
  }
  const best = (pick: (t: ImportTiming) => number) => Math.min(...runs.map(pick));
  return { nodeStartMs: best((t) => t.nodeStartMs), importMs: best((t) => t.importMs), processMs: best((t) => t.processMs) };
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const verdict = (ok: boolean) => (ok ? "met" : "NOT met");

export async function benchBundles(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "credvend-bundles-"));
  const secrets = await secretsManagerStandIn();
  const env = { ...LAMBDA_ENV, AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url };
  try {
    const rows: Record<string, Record<string, string>> = {};
    for (const spec of allLambdaBundles()) {
      const size = await measureBundle(spec);
      const file = join(dir, spec.name, "index.mjs");
      mkdirSync(join(dir, spec.name), { recursive: true });
      writeFileSync(file, (await bundleLambda(spec.entry)).code);
      const timing = await importTiming(file, env);
      rows[spec.name] = {
        size: kib(size.bytes),
        "size target": `≤ ${spec.targetKiB} KiB ${verdict(size.bytes <= spec.targetKiB * 1024)}`,
        "budget (test)": `${spec.budgetKiB} KiB`,
        import: ms(timing.importMs),
        "import target": `≤ ${spec.importTargetMs} ms ${verdict(timing.importMs <= spec.importTargetMs)}`,
        "Node's own start": ms(timing.nodeStartMs),
        "whole process": ms(timing.processMs),
        largest: size.contributors
          .slice(0, 3)
          .map((c) => `${c.name} ${kib(c.bytes)}`)
          .join(", "),
      };
    }
    console.log(
      `\nLambda bundles (esbuild, minified ESM, no source map; import = \`await import()\` in a fresh process, best of ${RUNS}, ` +
        "Node's own start apart; whole process = spawn to exit)",
    );
    console.table(rows);
  } finally {
    await secrets.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const example = new URL("../../infra/credvend.config.example.yaml", import.meta.url).pathname;
  const assets = Object.fromEntries(
    (await synthesizedFunctionAssets(example)).map((a) => {
      const targetKiB = /^(Worker|Introspection)-/.test(a.name) ? 250 : 400;
      const row = { "index.mjs": kib(a.codeBytes), "whole asset (no source map)": kib(a.bytes) };
      return [a.name, { ...row, target: `≤ ${targetKiB} KiB ${verdict(a.bytes <= targetKiB * 1024)}` }];
    }),
  );
  console.log("\nCDK assets as `cdk synth -c config=infra/credvend.config.example.yaml` stages them (what `cdk deploy` uploads)");
  console.table(assets);
}
