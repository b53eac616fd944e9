import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localDynamoClient } from "../cli/dev/local-dynamodb-client.js";
import { startDynalite } from "../cli/embedded-dynamodb.js";
import { DynamoDbLedger, ensureLedgerTable } from "../functions/adapters/ledger/dynamodb-ledger.js";
import { startDynamoDbLocal } from "../test/support/dynamodb-local.js";
import type { CredentialRecord, AuditEvent } from "../functions/core/records.js";

const N = 300;
function rec(): { record: CredentialRecord; event: AuditEvent } {
  const id = randomUUID();
  const now = new Date();
  const record = {
    credentialId: id, provider: "local", worker: "local-tokens", upstreamRef: "x", scopes: ["local:read:x"], subject: { repository: "acme/web" },
    issuedAt: now.toISOString(), expiresAt: new Date(now.getTime() + 900_000).toISOString(),
    tokenHashes: [randomUUID().replace(/-/g, "").padEnd(64, "0")], revocable: true, state: "active",
  } as unknown as CredentialRecord;
  const event = { eventId: randomUUID(), type: "vend", at: now.toISOString(), credentialId: id, repository: "acme/web", scopes: ["local:read:x"] } as AuditEvent;
  return { record, event };
}
async function time(label: string, ledger: DynamoDbLedger) {
  for (let i = 0; i < Number(process.env.WARM ?? 30); i++) { const { record, event } = rec(); await ledger.recordVend(record, event); }
  const t: number[] = [];
  for (let i = 0; i < N; i++) { const { record, event } = rec(); const s = performance.now(); await ledger.recordVend(record, event); t.push(performance.now() - s); }
  t.sort((a, b) => a - b);
  console.log(label, "p50", t[N / 2]!.toFixed(2), "p99", t[Math.floor(N * 0.99)]!.toFixed(2));
}
const which = process.argv[2];
if (which === "dynalite" || which === "dynalite-disk") {
  const d = await startDynalite(which === "dynalite-disk" ? { path: mkdtempSync(join(tmpdir(), "dl-")) } : {});
  const c = localDynamoClient(d.endpoint);
  await ensureLedgerTable(c, "ledger");
  await time(which, new DynamoDbLedger({ client: c, tableName: "ledger" }));
  c.destroy(); await d.close();
} else {
  const d = await startDynamoDbLocal();
  if ("skipped" in d) throw new Error(d.skipped);
  const c = localDynamoClient(d.endpoint);
  await ensureLedgerTable(c, "ledger");
  await time("ddblocal-tx", new DynamoDbLedger({ client: c, tableName: "ledger", transactions: true }));
  await time("ddblocal-separate", new DynamoDbLedger({ client: c, tableName: "ledger", transactions: false }));
  c.destroy(); await d.close();
}
process.exit(0);
