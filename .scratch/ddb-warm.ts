import { randomUUID } from "node:crypto";
import { TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { localDynamoClient } from "../cli/dev/local-dynamodb-client.js";
import { ensureLedgerTable } from "../functions/adapters/ledger/dynamodb-ledger.js";
import { startDynamoDbLocal } from "../test/support/dynamodb-local.js";
const d = await startDynamoDbLocal();
if ("skipped" in d) throw new Error(d.skipped);
const c = localDynamoClient(d.endpoint);
await ensureLedgerTable(c, "warm");
const conc = Number(process.argv[2] ?? 1);
const t0 = performance.now();
const one = () => c.send(new TransactWriteItemsCommand({ TransactItems: [0, 1, 2].map((k) => ({ Put: { TableName: "warm", Item: { pk: { S: randomUUID() }, sk: { S: String(k) }, v: { S: "x".repeat(200) } }, ConditionExpression: "attribute_not_exists(pk)" } })) }));
for (let w = 0; w < 8; w++) {
  const s = performance.now();
  await Promise.all(Array.from({ length: conc }, async () => { for (let i = 0; i < 500 / conc; i++) await one(); }));
  // probe latency sequentially
  const t: number[] = [];
  for (let i = 0; i < 50; i++) { const q = performance.now(); await one(); t.push(performance.now() - q); }
  t.sort((a, b) => a - b);
  console.log(`after ${(w + 1) * 550}: batch ${(performance.now() - s).toFixed(0)} ms, seq p50 ${t[25]!.toFixed(2)} ms, elapsed ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
c.destroy(); await d.close(); process.exit(0);
