// `npm run bench`: every row of the performance table, each with its target (not tests):
//   vend-bench.ts        broker overhead over the bare worker Vend (≤ 3 ms p50 / ≤ 10 ms p99),
//                        throughput (≥ 500 vends/s on 2 cores), broker CPU per vend (≤ 1.5 ms),
//                        DynamoDB round trips after the worker answers (1 where transactions exist)
//   vend-function-bench  the vend function's bundle in a process of its own, invoked with Function
//                        URL events, ledger on DynamoDB Local: its CPU per vend (≤ 1.5 ms) and its
//                        overhead over the bare worker Vend
//   worker-trust-bench   verification at cold start (< 20 ms for 5 workers), the loopback round trip
//   bundle-bench.ts      each Lambda bundle's size (≤ 400 KiB functions, ≤ 250 KiB workers) and
//                        import time (≤ 50 ms / ≤ 30 ms), Node's own start apart
import { benchBundles } from "./bundle-bench.js";
import { benchContainerCredentials } from "./container-credentials-bench.js";
import { benchPartnerBatch } from "./leak-response-bench.js";
import { benchVend } from "./vend-bench.js";
import { benchVendFunction } from "./vend-function-bench.js";
import { benchWorkerTrust } from "./worker-trust-bench.js";

await benchVend();
await benchVendFunction();
await benchWorkerTrust();
await benchContainerCredentials();
await benchPartnerBatch();
await benchBundles();
