// A DynamoDB client for a local DynamoDB API server (dynalite, DynamoDB Local): fixed region and
// dummy credentials, so nothing reads the developer's AWS profile or reaches AWS.
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { AWS_CLIENT_DEFAULTS, withoutSdkRequestLogging } from "../../plugin-workers/sdk/aws-client-defaults.js";

/** `accessKeyId`: the one the embedded server admits (the local stack's), else "local". */
export function localDynamoClient(endpoint: string, config: DynamoDBClientConfig = {}, accessKeyId = "local"): DynamoDBClient {
  const client = new DynamoDBClient({
    ...AWS_CLIENT_DEFAULTS,
    region: "us-east-1",
    credentials: { accessKeyId, secretAccessKey: "local" },
    ...config,
    endpoint,
  });
  return withoutSdkRequestLogging(client);
}
