// The vend function's Lambda entry: the only place its AWS adapters are built. Configuration
// errors surface at cold start, so a misdeployed function fails its first invocation loudly.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { handle } from "hono/aws-lambda";
import { DynamoDbLedger } from "../adapters/dynamodb-ledger.js";
import { loadFunctionConfig } from "../adapters/function-config.js";
import { JsonLogger } from "../adapters/json-logger.js";
import { composeVendApp } from "./compose.js";

const config = loadFunctionConfig();
const logger = new JsonLogger({ service: "credvend-vend" });
const { app } = composeVendApp({
  policyYaml: config.policyYaml,
  ledger: new DynamoDbLedger({ client: new DynamoDBClient({}), tableName: config.ledgerTable }),
  workers: config.workers,
  workerTimeoutMs: config.workerTimeoutMs,
  logger,
});

export const handler = handle(app);
