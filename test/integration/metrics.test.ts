// The functions' metrics as CloudWatch would read them: EMF lines checked against the format's
// rules, counted from a real ledger on dynalite (the metered ledger also passes the whole ledger
// contract, so metering changes nothing else), and worker calls timed through the core's worker
// client over loopback HTTP.
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { DynamoDbLedger, ensureLedgerTable } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import { EmfMetrics } from "../../functions/adapters/metrics/emf-metrics.js";
import { METRIC, meteredLedger } from "../../functions/adapters/metrics/metered-ledger.js";
import { meteredPluginClient } from "../../functions/adapters/metrics/metered-plugin-client.js";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { listenOnLoopback, PluginError, servePlugin, type PluginImplementation } from "../../plugin-workers/sdk/index.js";
import type { AuditEvent } from "../../functions/core/records.js";
import { localDynamoClient, startDynalite } from "../support/dynalite.js";
import { listenOnLoopbackPort } from "../support/loopback-server.js";
import { describeLedgerContract, makeRecord } from "./ledger-contract.js";

interface Emf {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [property: string]: unknown;
}

/** Parses EMF lines and checks what CloudWatch requires of each (else it drops the line). */
function emfLines(lines: readonly string[]): Emf[] {
  return lines.map((line) => {
    const emf = JSON.parse(line) as Emf;
    expect(Number.isInteger(emf._aws.Timestamp)).toBe(true);
    for (const directive of emf._aws.CloudWatchMetrics) {
      expect(directive.Namespace).toMatch(/^[\w./#:-]{1,255}$/);
      for (const set of directive.Dimensions) for (const name of set) expect(typeof emf[name]).toBe("string");
      for (const metric of directive.Metrics) expect(typeof emf[metric.Name]).toBe("number");
    }
    return emf;
  });
}

/** Sum of a metric's values for the given dimension values (all points when none given). */
function sum(points: readonly Emf[], name: string, where: Record<string, string> = {}): number {
  return points
    .filter((p) => p._aws.CloudWatchMetrics[0]?.Metrics[0]?.Name === name && Object.entries(where).every(([k, v]) => p[k] === v))
    .reduce((total, p) => total + Number(p[name]), 0);
}

const dynamo = await startDynalite();
const client = localDynamoClient(dynamo.endpoint);
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});
const lines: string[] = [];
const metrics = new EmfMetrics({ namespace: "credvend/test", service: "credvend-vend", write: (line) => lines.push(line) });

async function metered() {
  const tableName = `metrics-${randomUUID()}`;
  await ensureLedgerTable(client, tableName);
  return meteredLedger(new DynamoDbLedger({ client, tableName }), metrics);
}

describeLedgerContract("metered DynamoDbLedger (dynalite)", async () => ({ ledger: await metered() }));

describe("metrics from the ledger", () => {
  it("counts vends by worker, denials by reason, refused workers, vend failures; each alarmable without dimensions", async () => {
    const ledger = await metered();
    lines.length = 0;
    const at = new Date().toISOString();
    const event = (type: AuditEvent["type"], extra: Partial<AuditEvent> = {}): AuditEvent => ({
      eventId: randomUUID(),
      type,
      at,
      ...extra,
    });
    await ledger.appendAudit(event("vend", { details: { worker: "aws-sts" } }));
    await ledger.appendAudit(event("vend", { details: { worker: "aws-sts" } }));
    await ledger.appendAudit(event("deny", { reason: "scope_denied" }));
    const flood = event("deny_flood");
    expect(await ledger.appendAuditOnce(flood)).toBe(true);
    expect(await ledger.appendAuditOnce(flood)).toBe(false);
    await ledger.appendAudit(event("worker_refused", { reason: "code_mismatch", details: { worker: "github" } }));
    await ledger.appendAudit(event("failure", { reason: "ledger_unavailable" }));
    await ledger.appendAudit(event("detect"));
    const points = emfLines(lines);
    expect(sum(points, METRIC.vends, { Worker: "aws-sts" })).toBe(2);
    expect(sum(points, METRIC.denials)).toBe(2);
    expect(sum(points, METRIC.denials, { Reason: "no_matching_rule" })).toBe(1);
    expect(sum(points, METRIC.refusedWorkers, { Worker: "github" })).toBe(1);
    expect(sum(points, METRIC.vendFailures, { Reason: "ledger_unavailable" })).toBe(1);
    expect(points).toHaveLength(6);
    expect(points[0]?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([[], ["Worker"]]);
  });

  it("counts each leak outcome once, by branch, and reports the sweeper's backlog", async () => {
    const ledger = await metered();
    const [expired, manual, pending] = [makeRecord(), makeRecord({ revocable: false }), makeRecord()];
    for (const record of [expired, manual, pending]) await ledger.recordIssued(record);
    const now = new Date();
    await ledger.recordDetection(pending.credentialId, { detectedAt: now.toISOString(), source: {} }, new Date(now.getTime() - 1000));
    lines.length = 0;
    expect(await ledger.settleOutcome(expired.credentialId, "detected_after_expiry", now)).toBe(true);
    expect(await ledger.settleOutcome(expired.credentialId, "detected_after_expiry", now)).toBe(false);
    expect(await ledger.settleOutcome(manual.credentialId, "manual_revoke_required", now)).toBe(true);
    expect(await ledger.dueDetections(now, 50)).toEqual([pending.credentialId]);
    const points = emfLines(lines);
    expect(sum(points, METRIC.leakOutcomes, { Outcome: "detected_after_expiry" })).toBe(1);
    expect(sum(points, METRIC.leakOutcomes, { Outcome: "manual_revoke_required" })).toBe(1);
    expect(sum(points, METRIC.sweeperBacklog, { Queue: "detections" })).toBe(1);
  });
});

describe("worker call metrics over loopback HTTP", () => {
  it("times every call of the core's worker client and counts failures by kind: unavailable, timeout, upstream_failed; a refused scope is an answer", async () => {
    // A real worker behind the core's real client: one scope it refuses, one it fails on, one it is slow on.
    const impl: PluginImplementation = {
      name: "aws-sts",
      version: "1.0.0",
      providers: ["aws"],
      validate: async (scopes) => {
        const resource = scopes[0]?.resource;
        if (resource === "slow") await new Promise((resolve) => setTimeout(resolve, 500));
        if (resource === "broken") throw new PluginError("permission_denied", "upstream said no");
        return scopes.map((scope) => ({
          scope,
          valid: resource !== "refused",
          normalized: scope,
          ...(resource === "refused" ? { reason: "no" } : {}),
        }));
      },
      serialize: () => ({ serialized: new Uint8Array(), mediaType: "application/octet-stream" }),
      vend: () => {
        throw new PluginError("internal", "not in this test");
      },
    };
    const worker = await listenOnLoopback(servePlugin(impl).app);
    const dead = await listenOnLoopbackPort(createServer());
    await dead.close();
    lines.length = 0;
    const client = (name: string, baseUrl: string) =>
      meteredPluginClient(new GrpcWebPluginClient({ name, baseUrl, timeoutMs: 200, maxRetries: 0 }), metrics);
    const awsSts = client("aws-sts", worker.url);
    const gone = client("gone", dead.url);
    const scope = (resource: string) => [{ provider: "aws", action: "s3-read", resource }];
    try {
      await awsSts.describe();
      await awsSts.validate(scope("fine"));
      await awsSts.validate(scope("refused"));
      await expect(awsSts.validate(scope("broken"))).rejects.toThrow();
      await expect(awsSts.validate(scope("slow"))).rejects.toThrow();
      await expect(gone.describe()).rejects.toThrow();
    } finally {
      await worker.close();
    }
    const points = emfLines(lines);
    expect(points.filter((p) => p._aws.CloudWatchMetrics[0]?.Metrics[0]?.Name === METRIC.workerLatency).map((p) => p.Worker)).toEqual([
      "aws-sts",
      "aws-sts",
      "aws-sts",
      "aws-sts",
      "aws-sts",
      "gone",
    ]);
    expect(sum(points, METRIC.workerFailures, { Worker: "aws-sts", Outcome: "upstream_failed" })).toBe(1);
    expect(sum(points, METRIC.workerFailures, { Worker: "aws-sts", Outcome: "timeout" })).toBe(1);
    expect(sum(points, METRIC.workerFailures, { Worker: "gone", Outcome: "unavailable" })).toBe(1);
    expect(sum(points, METRIC.workerFailures)).toBe(3);
  });
});
