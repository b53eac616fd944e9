// Leak response: how long the partner route takes for GitHub's largest batches (1,000 matches) on
// the DynamoDB API server of the local default (dynalite), with some tokens ours (each revoked
// through a worker) and the rest unknown (audited together). Goal: well inside GitHub's timeout,
// < 2 s. Run by `npm run bench`, or alone: `npx tsx test/bench/leak-response-bench.ts`.
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import { DynamoDbLedger, ensureLedgerTable } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import { createLeakFixture } from "../support/leak-fixture.js";
import { localDynamoClient, startDynalite } from "../support/dynalite.js";

export async function benchPartnerBatch(): Promise<void> {
  const dynamo = await startDynalite();
  const client = localDynamoClient(dynamo.endpoint);
  const rows: Record<string, { status: number; true_positive: number; ms: string }> = {};
  try {
    for (const ours of [0, 20, 100]) {
      const tableName = `bench-${randomUUID()}`;
      await ensureLedgerTable(client, tableName);
      const fixture = await createLeakFixture({ ledger: new DynamoDbLedger({ client, tableName }) });
      const issued: { secret: string }[] = [];
      for (let i = 0; i < ours; i++) issued.push(await fixture.issue());
      const matches = Array.from({ length: 1000 }, (_, i) =>
        i < ours ? { token: issued[i]!.secret, type: "credvend_token" } : { token: `other_${randomUUID()}`, type: "other" },
      );
      const started = performance.now();
      const response = await fixture.postPartner(matches);
      const ms = performance.now() - started;
      const labels = (await response.json()) as { label: string }[];
      rows[`1000 matches, ${ours} ours`] = {
        status: response.status,
        true_positive: labels.filter((l) => l.label === "true_positive").length,
        ms: ms.toFixed(0),
      };
    }
  } finally {
    client.destroy();
    await dynamo.close();
  }
  console.log("\nPartner program batches (in-process app, dynalite; each of ours revoked through a worker; goal < 2 s)");
  console.table(rows);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await benchPartnerBatch();
