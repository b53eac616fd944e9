// The AWS SDK clients credvend builds skip the SDK's per-call request logging (which filters a
// copy of every input and output for a logger credvend never sets) and resolve their middleware
// chain once per command type.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { localDynamoClient } from "../../cli/dev/local-dynamodb-client.js";
import { AWS_CLIENT_DEFAULTS, withoutSdkRequestLogging } from "../../plugin-workers/sdk/aws-client-defaults.js";

const middlewareNames = (client: DynamoDBClient) => client.middlewareStack.identify().map((entry) => entry.split(" ")[0]);

describe("AWS client defaults", () => {
  it("a default SDK client carries the logger middleware; without request logging it is gone, the rest of the chain kept", () => {
    const plain = new DynamoDBClient({ region: "us-east-1" });
    const lean = withoutSdkRequestLogging(new DynamoDBClient({ ...AWS_CLIENT_DEFAULTS, region: "us-east-1" }));
    expect(middlewareNames(plain)).toContain("loggerMiddleware");
    expect(middlewareNames(lean)).not.toContain("loggerMiddleware");
    expect(middlewareNames(lean)).toEqual(middlewareNames(plain).filter((name) => name !== "loggerMiddleware"));
    expect(lean.config.cacheMiddleware).toBe(true);
  });

  it("the local stack's DynamoDB client is built the same way", () => {
    const client = localDynamoClient("http://127.0.0.1:1");
    expect(middlewareNames(client)).not.toContain("loggerMiddleware");
    expect(client.config.cacheMiddleware).toBe(true);
  });
});
