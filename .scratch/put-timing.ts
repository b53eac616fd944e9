import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { localDynamoClient } from "../cli/dev/local-dynamodb-client.js";
import { startDynalite } from "../cli/embedded-dynamodb.js";
import { ensureLedgerTable } from "../functions/adapters/ledger/dynamodb-ledger.js";
const d = await startDynalite();
const c = localDynamoClient(d.endpoint);
await ensureLedgerTable(c, "ledger");
const N = 500;
const item = (i: number) => ({ pk: { S: `x${i}-${Math.random()}` }, sk: { S: "r" }, data: { S: "y".repeat(300) } });
for (let i = 0; i < 50; i++) await c.send(new PutItemCommand({ TableName: "ledger", Item: item(i) }));
let t: number[] = [];
const cpu0 = process.cpuUsage();
for (let i = 0; i < N; i++) { const s = performance.now(); await c.send(new PutItemCommand({ TableName: "ledger", Item: item(i) })); t.push(performance.now() - s); }
const cpu = process.cpuUsage(cpu0);
t.sort((a, b) => a - b);
console.log("sdk put p50", t[N / 2]!.toFixed(2), "cpu/call main+thread ms", ((cpu.user + cpu.system) / 1000 / N).toFixed(2));
// raw fetch, unsigned auth header with the right credential shape
t = [];
for (let i = 0; i < N; i++) {
  const s = performance.now();
  const r = await fetch(d.endpoint, { method: "POST", headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.PutItem", authorization: "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00" }, body: JSON.stringify({ TableName: "ledger", Item: item(i) }) });
  await r.text(); t.push(performance.now() - s);
}
t.sort((a, b) => a - b);
console.log("raw fetch put p50", t[N / 2]!.toFixed(2));
c.destroy(); await d.close(); process.exit(0);
