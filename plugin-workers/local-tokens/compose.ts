// The local-tokens worker on AWS, built from its configuration (lambda.ts reads it).
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { ServedPlugin } from "../sdk/index.js";
import type { LocalTokensConfig } from "./config.js";
import { DynamoDbLocalTokenStore } from "./dynamodb-store.js";
import { serveLocalTokens } from "./worker.js";

export function composeLocalTokensWorker(config: LocalTokensConfig, dynamodb = new DynamoDBClient({})): ServedPlugin {
  // The table is created by the infrastructure; this function only reads and writes items.
  return serveLocalTokens({ store: new DynamoDbLocalTokenStore(dynamodb, config.tableName) }, { allowedCallers: config.allowedCallers });
}
