// Bench part for signed workers: what verification costs at a cold start (5 workers on loopback,
// each with a 256 KiB zip to hash: signature + code hash + Describe), and the gRPC-web round trip
// of one call on loopback. Target: verification < 20 ms for 5 workers.
import { PLUGIN_PROTOCOL, PROTOCOL_VERSION } from "../../plugin-protocol/protocol-version.js";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeSha256Of } from "../../functions/adapters/plugins/file-code-hash.js";
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { PluginService } from "../../proto/gen/credvend/plugin/v1/plugin_pb.js";
import { TrustStore, checkManifestSignature, generateKeyPair, signManifest } from "../../functions/core/plugin-trust/index.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { composePluginDirectory } from "../../functions/adapters/plugins/compose-plugin-directory.js";
import {
  capabilitiesOf,
  listenOnLoopback,
  servePlugin,
  type LoopbackServer,
  type PluginImplementation,
} from "../../plugin-workers/sdk/index.js";

const WORKERS = 5;
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 30);
const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 2000);

function benchPlugin(i: number): PluginImplementation {
  return {
    name: `bench-${i}`,
    version: "1.0.0",
    providers: [`p${i}`],
    validate: (scopes) => scopes.map((scope) => ({ scope, valid: true })),
    serialize: () => ({ serialized: new Uint8Array(), mediaType: "application/octet-stream" }),
    vend: () => ({ credential: { token: "t" }, expiresAt: new Date(), revocable: false, upstreamRef: "", notes: [] }),
  };
}

const stats = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  return { p50: `${at(50).toFixed(2)} ms`, p99: `${at(99).toFixed(2)} ms`, max: `${sorted.at(-1)!.toFixed(2)} ms` };
};

export async function benchWorkerTrust(): Promise<void> {
  const key = await generateKeyPair();
  const trust = new TrustStore([{ keyId: key.keyId, publicKey: key.publicKey }]);
  const dir = mkdtempSync(join(tmpdir(), "credvend-trust-bench-"));
  const servers: LoopbackServer[] = [];
  try {
    const workers = [];
    for (let i = 0; i < WORKERS; i++) {
      const plugin = benchPlugin(i);
      const server = await listenOnLoopback(servePlugin(plugin).app);
      servers.push(server);
      const zip = randomBytes(256 * 1024);
      const codeZip = join(dir, `w${i}.zip`);
      writeFileSync(codeZip, zip);
      const fields = {
        name: plugin.name,
        version: plugin.version,
        protocol: PLUGIN_PROTOCOL,
        protocolVersion: PROTOCOL_VERSION,
        providers: [...plugin.providers],
        capabilities: capabilitiesOf(plugin),
        handler: "index.handler",
        runtime: "nodejs",
        environment: [],
        codeSha256: codeSha256Of(zip),
        signedAt: new Date().toISOString(),
      };
      const signed = await signManifest(fields, key.privateKey, key.publicKey);
      workers.push({ name: plugin.name, url: server.url, providers: [...plugin.providers], signed, codeZip });
    }

    const coldStarts: number[] = [];
    for (let run = 0; run < COLD_STARTS; run++) {
      // A fresh directory and fresh clients: nothing cached, new connections, as at a cold start.
      const directory = composePluginDirectory({
        workers,
        trustedKeys: trust,
        ledger: { appendAudit: async () => undefined },
        logger: silentLogger,
      });
      const start = performance.now();
      const rows = await directory.verifyAll();
      coldStarts.push(performance.now() - start);
      if (!rows.every((r) => r.state.status === "verified")) throw new Error(`bench workers not verified: ${JSON.stringify(rows)}`);
    }
    const signatureOnly: number[] = [];
    for (let run = 0; run < COLD_STARTS; run++) {
      const start = performance.now();
      for (const w of workers) await checkManifestSignature(w.signed, trust);
      signatureOnly.push(performance.now() - start);
    }

    // The same Describe call through the broker's client (keep-alive HTTP/1.1 over node:http) and
    // through Connect's fetch transport, which the broker used before: latency, and CPU per call
    // (client and server share this process, so the difference is the client's).
    const client = new GrpcWebPluginClient({ name: "bench-0", baseUrl: servers[0]!.url });
    const viaFetch = createClient(PluginService, createGrpcWebTransport({ baseUrl: servers[0]!.url }));
    const roundTrips = async (call: () => Promise<unknown>) => {
      for (let i = 0; i < 200; i++) await call();
      const trips: number[] = [];
      const cpu = process.cpuUsage();
      for (let i = 0; i < ROUND_TRIPS; i++) {
        const start = performance.now();
        await call();
        trips.push(performance.now() - start);
      }
      const used = process.cpuUsage(cpu);
      return { ...stats(trips), "CPU per call": `${((used.user + used.system) / 1000 / ROUND_TRIPS).toFixed(2)} ms` };
    };

    console.log(
      `\nSigned workers: verification at cold start, ${WORKERS} workers on loopback, 256 KiB zips (${COLD_STARTS} cold starts; target < 20 ms)`,
    );
    console.table({
      "verify all (signature + code hash + Describe)": stats(coldStarts),
      "signatures only (node:crypto Ed25519)": stats(signatureOnly),
    });
    console.log(
      `gRPC-web round trip on loopback (Describe, ${ROUND_TRIPS} sequential calls, keep-alive; CPU: client + worker in this process)`,
    );
    console.table({
      "GrpcWebPluginClient (node:http, HTTP/1.1)": await roundTrips(() => client.describe()),
      "Connect fetch transport (before)": await roundTrips(() => viaFetch.describe({})),
    });
  } finally {
    for (const server of servers) await server.close();
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) await benchWorkerTrust();
