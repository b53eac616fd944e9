// The AWS SDK's DynamoDB client, as the functions build it (default request handler), keeps its
// connections open between calls: checked by counting TCP connections through a loopback proxy
// in front of the embedded DynamoDB, not assumed from the SDK's documentation.
import { createConnection, createServer, type AddressInfo, type Server } from "node:net";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDynamoClient, startDynalite, type LocalDynamo } from "../support/dynalite.js";

let dynamo: LocalDynamo;
let proxy: Server;
let connections = 0;
let endpoint: string;

beforeAll(async () => {
  dynamo = await startDynalite();
  const target = new URL(dynamo.endpoint);
  proxy = createServer((socket) => {
    connections++;
    const upstream = createConnection(Number(target.port), target.hostname);
    socket.pipe(upstream).pipe(socket);
    socket.on("error", () => upstream.destroy());
    upstream.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => proxy.close(resolve));
  await dynamo.close();
});

describe("AWS SDK connection reuse", () => {
  it("sends sequential calls over one connection, and concurrent ones over no more connections than calls at once", async () => {
    const client = localDynamoClient(endpoint);
    try {
      connections = 0;
      for (let i = 0; i < 20; i++) await client.send(new ListTablesCommand({}));
      expect(connections).toBe(1);

      for (let round = 0; round < 5; round++) await Promise.all([1, 2, 3, 4].map(() => client.send(new ListTablesCommand({}))));
      expect(connections).toBeLessThanOrEqual(4);
    } finally {
      client.destroy();
    }
  });
});
