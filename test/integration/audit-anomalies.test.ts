// `credvend audit anomalies` over a local ledger's files (as after `npm start`): generated history,
// a steady repository raising nothing, an odd vend and a denial burst found and explained, and
// the thresholds taken from the deployment config file.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DynamoDbLedger, ensureLedgerTable } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import type { AuditEvent } from "../../functions/core/records.js";
import { LEDGER_TABLE } from "../../cli/local-stack.js";
import { runCli } from "../support/capture-output.js";
import { localDynamoClient, startDynalite } from "../support/dynalite.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
let n = 0;

function event(type: "vend" | "deny", at: number, repository: string, workflow = "ci"): AuditEvent {
  return {
    eventId: `e-${n++}`,
    type,
    at: new Date(at).toISOString(),
    repository,
    scopes: ["local:read:billing"],
    subject: { repository, ref: "refs/heads/main", workflow },
    ...(type === "deny" ? { reason: "scope_denied" } : {}),
  };
}

/** A local data dir whose ledger holds `events` (written through the real ledger, then closed). */
async function localLedgerWith(events: readonly AuditEvent[]): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), "credvend-anomalies-"));
  const dynamo = await startDynalite({ path: join(dataDir, "dynamodb") });
  const client = localDynamoClient(dynamo.endpoint);
  try {
    await ensureLedgerTable(client, LEDGER_TABLE);
    const ledger = new DynamoDbLedger({ client, tableName: LEDGER_TABLE });
    for (const e of events) await ledger.appendAudit(e);
  } finally {
    client.destroy();
    await dynamo.close();
  }
  return dataDir;
}

function steady(repository: string, days = 20): AuditEvent[] {
  return Array.from({ length: days }, (_, d) =>
    [10, 14].map((hour) => event("vend", today - (days - d) * DAY + hour * HOUR + d * 60_000, repository)),
  ).flat();
}

describe("credvend audit anomalies", () => {
  it("steady history: none found, exit 0; an odd vend and a burst: found, explained, exit 1", async () => {
    const burst = Array.from({ length: 12 }, (_, i) => event("deny", today - 2 * DAY + 15 * HOUR + i * 20_000, "acme/api"));
    const odd = event("vend", today - DAY + 2 * HOUR, "acme/web", "backdoor");
    const dataDir = await localLedgerWith([...steady("acme/web"), ...steady("acme/api"), ...burst, odd]);

    const quiet = await runCli(["audit", "anomalies", "--data-dir", dataDir, "--until", new Date(today - 3 * DAY).toISOString()]);
    expect(quiet.err).toBe("");
    expect(quiet.code).toBe(0);
    expect(quiet.out).toMatch(/^no anomalies from \S+ to \S+ \(\d+ events read\)\n$/);

    const found = await runCli(["audit", "anomalies", "--since", "7d", "--data-dir", dataDir, "--json"]);
    expect(found.code).toBe(1);
    const { anomalies } = JSON.parse(found.out) as {
      anomalies: { rule: string; repository: string; eventId: string; explanation: string }[];
    };
    expect(anomalies.map((a) => [a.rule, a.repository]).sort()).toEqual([
      ["denial_burst", "acme/api"],
      ["new_workflow", "acme/web"],
      ["unusual_hour", "acme/web"],
    ]);
    expect(anomalies.find((a) => a.rule === "denial_burst")).toMatchObject({ eventId: burst[9]?.eventId });

    const table = await runCli(["audit", "anomalies", "--since", "7d", "--data-dir", dataDir]);
    expect(table.out).toMatch(/^TIME\s+LEVEL\s+RULE\s+REPOSITORY\s+WHY\n/);
    expect(table.out).toMatch(/high\s+denial_burst\s+acme\/api\s+10 denials within 10 minutes/);

    // Thresholds from the deployment config: a burst needs 20 now, and the hour margin is wide.
    const config = join(dataDir, "credvend.config.yaml");
    writeFileSync(config, "version: 1\nanomalies:\n  denialBurstCount: 20\n  usualHourMargin: 8\n");
    const tuned = await runCli(["audit", "anomalies", "--since", "7d", "--data-dir", dataDir, "--config", config, "--ndjson"]);
    expect(
      tuned.out
        .trim()
        .split("\n")
        .map((line) => (JSON.parse(line) as { rule: string }).rule),
    ).toEqual(["new_workflow"]);

    writeFileSync(config, "anomalies:\n  burst: 3\n");
    expect(await runCli(["audit", "anomalies", "--data-dir", dataDir, "--config", config])).toMatchObject({
      code: 2,
      err: expect.stringContaining("anomalies.burst: unknown field"),
    });
  }, 60_000);
});
