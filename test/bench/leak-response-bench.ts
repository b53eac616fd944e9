// `npx tsx test/bench/partner-batch.ts`: how long the partner route takes for GitHub's largest
// batches (1,000 matches) on the DynamoDB API server of the local default (dynalite), with some
// of the tokens ours (each revoked through a worker) and the rest unknown (each audited).
import { randomUUID } from "node:crypto";
import { DynamoDbLedger, ensureLedgerTable } from "../../functions/adapters/dynamodb-ledger.js";
import { createLeakFixture } from "../support/leak-fixture.js";
import { localDynamoClient, startDynalite } from "../support/dynalite.js";

const dynamo = await startDynalite();
const client = localDynamoClient(dynamo.endpoint);
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
    const positives = labels.filter((l) => l.label === "true_positive").length;
    console.log(`partner batch of 1000 (${ours} ours, revoked): HTTP ${response.status}, ${positives} true_positive, ${ms.toFixed(0)} ms`);
  }
} finally {
  client.destroy();
  await dynamo.close();
}
