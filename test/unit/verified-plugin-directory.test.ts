// The verified directory in front of real workers (the demo plugin behind the real gRPC-web
// client, in memory): verification before first use, 503 + one high alert + one audit event on
// refusal, the unsigned opt-in, re-checks that notice a redeploy, and the vend app's answer.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileCodeHash } from "../../functions/adapters/plugins/file-code-hash.js";
import { JsonLogger } from "../../functions/adapters/notify/json-logger.js";
import { MemoryLedger } from "../support/memory-ledger.js";
import { VerifiedPluginDirectory, type DeployedCode } from "../../functions/core/plugin-trust/verified-plugin-directory.js";
import { CredvendError, WorkerError } from "../../functions/core/errors.js";
import type { Notification } from "../../functions/core/ports/notifier.js";
import type { TrustedRegistration } from "../../functions/core/plugin-trust/index.js";
import { inMemoryWorkerClient } from "../support/in-memory-worker.js";
import { ALL_TIME } from "../support/vend-fixture.js";
import { demoPlugin } from "./plugin-sdk-fixture.js";
import { DEMO_CODE, generateKeyPair, sha256Base64, signDemo, trustOf } from "./plugin-trust-fixture.js";

class ManualClock {
  constructor(public ms = Date.now()) {}
  now = () => new Date(this.ms);
}

async function setup(options: { signed?: boolean; allowUnsigned?: boolean; code?: DeployedCode; version?: string } = {}) {
  const key = await generateKeyPair();
  const dir = mkdtempSync(join(tmpdir(), "credvend-verified-"));
  const zip = join(dir, "code.zip");
  writeFileSync(zip, DEMO_CODE);
  const plugin = demoPlugin(options.version ? { version: options.version } : {});
  const client = inMemoryWorkerClient(plugin);
  const registration: TrustedRegistration = {
    name: "demo",
    providers: ["demo"],
    ...(options.signed === false ? {} : { signed: await signDemo(key) }),
    ...(options.allowUnsigned ? { allowUnsigned: true } : {}),
  };
  const alerts: Notification[] = [];
  const logs: string[] = [];
  const ledger = new MemoryLedger();
  const clock = new ManualClock();
  const directory = new VerifiedPluginDirectory({
    workers: [{ registration, client, code: options.code ?? new FileCodeHash(zip) }],
    trust: trustOf(key),
    notifier: { notify: async (n) => void alerts.push(n) },
    audit: (event) => ledger.appendAudit(event),
    logger: new JsonLogger({ service: "test", level: "debug", write: (line) => logs.push(line) }),
    clock,
    recheckIntervalMs: 60_000,
  });
  const audits = async () => (await ledger.auditByTime(ALL_TIME)).filter((e) => e.type.startsWith("worker_"));
  return { directory, zip, alerts, logs, ledger, clock, audits, plugin };
}

async function rejection(promise: Promise<unknown>): Promise<CredvendError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CredvendError);
  return error as CredvendError;
}

describe("VerifiedPluginDirectory", () => {
  it("hands out a worker that verifies, and checks it once per interval", async () => {
    const { directory, alerts, audits, plugin } = await setup();
    const client = await directory.forProvider("demo");
    expect(client?.name).toBe("demo");
    await directory.forProvider("demo");
    expect(directory.status()[0]?.state.status).toBe("verified");
    expect(alerts).toEqual([]);
    expect(await audits()).toEqual([]);
    expect(plugin.calls.validate).toHaveLength(0); // verification costs Describe only
    expect(await directory.forProvider("nope")).toBeUndefined();
  });

  it("verifies once for concurrent first requests (single flight)", async () => {
    let checks = 0;
    const code: DeployedCode = {
      configuration: async () => {
        checks++;
        return { codeSha256: sha256Base64(DEMO_CODE) };
      },
    };
    const { directory } = await setup({ code });
    const clients = await Promise.all(Array.from({ length: 8 }, () => directory.forProvider("demo")));
    expect(clients.every((c) => c?.name === "demo")).toBe(true);
    expect(checks).toBe(1);
  });

  it("status for /v1/status: checks a never-checked worker once, then answers from the cache however often it is asked (no amplification)", async () => {
    let checks = 0;
    const code: DeployedCode = {
      configuration: async () => {
        checks++;
        return { codeSha256: sha256Base64(DEMO_CODE) };
      },
    };
    const { directory } = await setup({ code });
    for (let i = 0; i < 10; i++) expect((await directory.statusAfterFirstCheck())[0]?.state.status).toBe("verified");
    expect(checks).toBe(1);
  });

  it("status for /v1/status: a worker that could not be verified is not retried on the route's behalf", async () => {
    let checks = 0;
    const code: DeployedCode = {
      configuration: async () => {
        checks++;
        throw new Error("Lambda GetFunctionConfiguration failed");
      },
    };
    const { directory } = await setup({ code });
    for (let i = 0; i < 10; i++) expect((await directory.statusAfterFirstCheck())[0]?.state.status).toBe("unverifiable");
    expect(checks).toBe(1);
  });

  it("status carries the configuration the worker's Describe reported; a worker that says nothing has none (unknown)", async () => {
    const { directory } = await setup();
    await directory.verifyAll();
    expect(directory.status()[0]?.configuration).toBeUndefined();
  });

  it("refuses a worker whose Describe disagrees: 503, one high alert, one audit event, no fallback", async () => {
    const { directory, alerts, audits } = await setup({ version: "6.6.6" });
    for (let i = 0; i < 3; i++) {
      const error = await rejection(directory.forProvider("demo"));
      expect(error.kind).toBe("unavailable");
      expect(error.code).toBe("worker_refused");
      expect(error.message).not.toContain("6.6.6"); // the why goes to the operator, not the caller
    }
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ urgency: "high", kind: "worker_refused", details: { worker: "demo", reason: "describe_mismatch" } });
    const events = await audits();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "worker_refused", reason: "describe_mismatch", details: { worker: "demo" } });
  });

  it("notices a worker redeployed with different code at the next scheduled check", async () => {
    const { directory, zip, clock, alerts, audits } = await setup();
    expect(await directory.forProvider("demo")).toBeDefined();
    writeFileSync(zip, new TextEncoder().encode("PK other code"));
    expect(await directory.forProvider("demo")).toBeDefined(); // still within the cached interval
    clock.ms += 60_000;
    const error = await rejection(directory.forProvider("demo"));
    expect(error.code).toBe("worker_refused");
    expect(alerts.map((a) => a.details.reason)).toEqual(["code_mismatch"]);
    expect((await audits()).map((e) => e.reason)).toEqual(["code_mismatch"]);
    expect(directory.status()[0]?.state).toMatchObject({ status: "refused" });
  });

  it("refuses an unsigned worker by default", async () => {
    const { directory, alerts } = await setup({ signed: false });
    expect((await rejection(directory.forProvider("demo"))).code).toBe("worker_refused");
    expect(alerts[0]?.details.reason).toBe("unsigned");
  });

  it("runs an unsigned worker with allowUnsigned: a warning and an audit event once per cold start", async () => {
    const { directory, logs, audits, clock, alerts } = await setup({ signed: false, allowUnsigned: true });
    expect(await directory.forProvider("demo")).toBeDefined();
    clock.ms += 120_000;
    expect(await directory.forProvider("demo")).toBeDefined();
    const warnings = logs.map((l) => JSON.parse(l) as { level: string; message: string }).filter((l) => l.level === "warn");
    expect(warnings.map((w) => w.message)).toEqual(["worker runs UNSIGNED (allowUnsigned: true)"]);
    expect((await audits()).map((e) => e.type)).toEqual(["worker_unsigned"]);
    expect(alerts).toEqual([]);
  });

  it("treats missing evidence as unavailable: caches nothing, alerts nobody, retries on the next request", async () => {
    let fail = true;
    const code: DeployedCode = {
      configuration: async () => {
        if (fail) throw new Error("Rate exceeded");
        return { codeSha256: sha256Base64(DEMO_CODE) };
      },
    };
    const { directory, alerts, audits } = await setup({ code });
    const error = await rejection(directory.forProvider("demo"));
    expect(error).toBeInstanceOf(WorkerError);
    expect(error.code).toBe("worker_unavailable");
    expect(directory.status()[0]?.state.status).toBe("unverifiable");
    expect(alerts).toEqual([]);
    expect(await audits()).toEqual([]);
    fail = false;
    expect(await directory.forProvider("demo")).toBeDefined();
    expect(directory.status()[0]?.state.status).toBe("verified");
  });
});
