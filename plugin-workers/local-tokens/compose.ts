// The local-tokens Lambdas on AWS, built from their configuration (lambda.ts reads it): the
// worker (gRPC, for the core's roles only) or, in a function of its own behind its own Function
// URL, the introspection endpoint for internal services.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { AWS_CLIENT_DEFAULTS, withoutSdkRequestLogging } from "../sdk/aws-client-defaults.js";
import type { PluginLambdaHandler } from "../sdk/serve-plugin.js";
import type { LocalTokensConfig } from "./config.js";
import { DynamoDbLocalTokenStore } from "./dynamodb-store.js";
import { serveIntrospection } from "./introspect.js";
import { serveLocalTokens } from "./worker.js";

export function composeLocalTokensLambda(
  config: LocalTokensConfig,
  dynamodb = withoutSdkRequestLogging(new DynamoDBClient({ ...AWS_CLIENT_DEFAULTS })),
): PluginLambdaHandler {
  // The table is created by the infrastructure; this function only reads and writes items.
  const store = new DynamoDbLocalTokenStore(dynamodb, config.tableName);
  if (config.mode === "introspection") return serveIntrospection(store).handler;
  return serveLocalTokens({ store }, { allowedCallers: config.allowedCallers }).handler;
}
