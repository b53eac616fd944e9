// Lambda entry (Function URL). The only place the worker's adapters are constructed.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDbLocalTokenStore } from "./dynamodb-store.js";
import { serveLocalTokens } from "./worker.js";

const tableName = process.env.LOCAL_TOKENS_TABLE;
if (!tableName) throw new Error("LOCAL_TOKENS_TABLE is not set");

// The table is created by the infrastructure; this function only reads and writes items.
const store = new DynamoDbLocalTokenStore(new DynamoDBClient({}), tableName);

export const handler = serveLocalTokens({ store }).handler;
