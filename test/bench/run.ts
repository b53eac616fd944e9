// `npm run bench`: every row of the performance table, each with its target (not tests):
//   vend-timing-bench    where a vend's milliseconds go: the Server-Timing stages beside the wall
//                        time, for local-tokens and for aws-sts against moto (when moto_server is there)
//   vend-bench.ts        broker overhead over the bare worker Vend (≤ 3 ms p50 / ≤ 10 ms p99),
//                        throughput (no target since issue 23), broker CPU per vend (≤ 1.5 ms)
//   ledger-round-trips   DynamoDB round trips after the worker answers (1 where transactions exist)
//   vend-function-bench  the vend function's bundle in a process of its own, invoked with Function
//                        URL events, ledger on DynamoDB Local: its CPU per vend (≤ 2 ms) and its
//                        overhead over the bare worker Vend
//   cold-vend-bench      a cold vend as deployed: the vend and aws-sts worker bundles spawned together
//                        in fresh processes (signed worker checked, JWKS fetched, ledger on DynamoDB
//                        Local, STS on moto), spawn to credentials, beside a fresh node's own
//                        AssumeRoleWithWebIdentity (≤ 2×); then the same deployment warm
//                        (warm-vend-bench.ts): vends over HTTP interleaved with the no-broker call (≤ 2×)
//   memory-size-bench    the vend function and the aws-sts worker held to each Lambda memory size's
//                        CPU share (cgroup CFS quota): cold start, warm p50/p99, cost per 1M calls
//   worker-trust-bench   verification at cold start (< 20 ms for 5 workers), the loopback round trip
//   bundle-bench.ts      each Lambda bundle's size (≤ 400 KiB functions, ≤ 250 KiB workers) and
//                        import time (≤ 50 ms / ≤ 30 ms), Node's own start apart
// DynamoDB Local is fetched on first use and warmed up before a part measures it
// (bench-dynamodb-local.ts); a part that cannot run says
// the command that makes it run, and one that fails is reported without stopping the others.
import { runBenchParts } from "./bench-parts.js";
import { benchBundles } from "./bundle-bench.js";
import { benchColdVend } from "./cold-vend-bench.js";
import { benchContainerCredentials } from "./container-credentials-bench.js";
import { benchLedgerRoundTrips } from "./ledger-round-trips-bench.js";
import { benchPartnerBatch } from "./leak-response-bench.js";
import { benchMemorySizes } from "./memory-size-bench.js";
import { benchVend } from "./vend-bench.js";
import { benchVendFunction } from "./vend-function-bench.js";
import { benchVendTiming } from "./vend-timing-bench.js";
import { benchWorkerTrust } from "./worker-trust-bench.js";

const failed = await runBenchParts([
  { name: "vend through the local stack", run: benchVend },
  { name: "where a vend's milliseconds go", run: benchVendTiming },
  { name: "ledger round trips", run: benchLedgerRoundTrips },
  { name: "the vend function as deployed", run: benchVendFunction },
  { name: "a vend as deployed, cold then warm", run: benchColdVend },
  { name: "Lambda memory sizes", run: benchMemorySizes },
  { name: "worker trust", run: benchWorkerTrust },
  { name: "container credentials", run: benchContainerCredentials },
  { name: "partner program batches", run: benchPartnerBatch },
  { name: "bundles", run: benchBundles },
]);
if (failed.length > 0) process.exitCode = 1;
