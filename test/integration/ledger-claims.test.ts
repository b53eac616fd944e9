// The claims contract on the in-memory ledger, dynalite and AWS DynamoDB Local (as ledger.test.ts).
import { randomUUID } from "node:crypto";
import { afterAll, describe, it } from "vitest";
import { DynamoDbLedger, ensureLedgerTable } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import { MemoryLedger } from "../support/memory-ledger.js";
import { localDynamoClient, startDynalite, type LocalDynamo } from "../support/dynalite.js";
import { startDynamoDbLocal } from "../support/dynamodb-local.js";
import { describeLedgerClaimsContract } from "./ledger-claims-contract.js";
import { describeLedgerRevocationsContract } from "./ledger-revocations-contract.js";

const dynamoDbLocal = await startDynamoDbLocal();
afterAll(async () => {
  if ("close" in dynamoDbLocal) await dynamoDbLocal.close();
});

const servers: { name: string; start: () => Promise<LocalDynamo> }[] = [{ name: "dynalite", start: () => startDynalite() }];
if ("skipped" in dynamoDbLocal) {
  describe.skip(`DynamoDbLedger claims on DynamoDB Local — skipped: ${dynamoDbLocal.skipped}`, () => {
    it("claims contract", () => {});
  });
} else {
  const { endpoint } = dynamoDbLocal;
  servers.push({ name: "DynamoDB Local", start: async () => ({ endpoint, close: async () => {} }) });
}

describeLedgerClaimsContract("MemoryLedger", async () => ({ ledger: new MemoryLedger() }));
describeLedgerRevocationsContract("MemoryLedger", async () => ({ ledger: new MemoryLedger() }));

for (const server of servers) {
  const contracts = [describeLedgerClaimsContract, describeLedgerRevocationsContract];
  for (const describeContract of contracts)
    describeContract(`DynamoDbLedger on ${server.name}`, async () => {
      const running = await server.start();
      const client = localDynamoClient(running.endpoint);
      const tableName = `ledger-${randomUUID()}`;
      await ensureLedgerTable(client, tableName);
      return {
        ledger: new DynamoDbLedger({ client, tableName }),
        teardown: async () => {
          client.destroy();
          await running.close();
        },
      };
    });
}
