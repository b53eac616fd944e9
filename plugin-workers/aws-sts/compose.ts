// The aws-sts worker built from its configuration: on AWS (lambda.ts reads it) and under
// `npm start` (serve.ts), which hands in the embedded DynamoDB's client and a default region.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IAMClient } from "@aws-sdk/client-iam";
import { STSClient } from "@aws-sdk/client-sts";
import type { CallerAuthentication } from "../sdk/caller-check.js";
import type { ServedPlugin } from "../sdk/serve-plugin.js";
import { IAM_REQUEST_TIMEOUTS, LOCK_TABLE_REQUEST_TIMEOUTS, STS_REQUEST_TIMEOUTS, type AwsStsLambdaConfig } from "./config.js";
import { DynamoDbRevocationStore } from "./dynamodb-revocation-store.js";
import { serveAwsSts } from "./worker.js";
import { AWS_CLIENT_DEFAULTS, withoutSdkRequestLogging } from "../sdk/aws-client-defaults.js";

export interface AwsStsClients {
  readonly sts?: STSClient;
  readonly iam?: IAMClient;
  /** The lock table's DynamoDB. */
  readonly dynamodb?: DynamoDBClient;
}

export interface ComposeAwsStsOptions {
  /** The clients to use instead of building them. */
  readonly clients?: AwsStsClients;
  /** The built clients' region when the environment names none (locally); on Lambda AWS_REGION is set. */
  readonly region?: string;
  /** Who may call: on Lambda the config's allowed roles (the default); locally the stack's secret. */
  readonly callers?: CallerAuthentication;
}

export function composeAwsStsWorker(config: AwsStsLambdaConfig, options: ComposeAwsStsOptions = {}): ServedPlugin {
  const { clients = {} } = options;
  const region = options.region ? { region: options.region } : {};
  // Two attempts of at most 1.5 s each: the SDK's own retry covers a blip, and the vend API's
  // deadline for the whole Vend (5 s by default) is kept even when STS hangs.
  const sts =
    clients.sts ??
    withoutSdkRequestLogging(new STSClient({ ...AWS_CLIENT_DEFAULTS, maxAttempts: 2, requestHandler: STS_REQUEST_TIMEOUTS, ...region }));
  // Early revocation of single sessions is opt-in: it needs iam:GetRolePolicy/PutRolePolicy on the
  // default role, and the lock table (revoke.ts). Bounded calls, so a holder of a role's lock
  // finishes well within its lease.
  const { revocation } = config;
  const callers = options.callers ?? { allowedCallers: config.allowedCallers };
  if (!revocation) return serveAwsSts({ config: config.worker, sts }, callers);
  const iam =
    clients.iam ??
    withoutSdkRequestLogging(new IAMClient({ ...AWS_CLIENT_DEFAULTS, maxAttempts: 2, requestHandler: IAM_REQUEST_TIMEOUTS, ...region }));
  const dynamodb =
    clients.dynamodb ??
    withoutSdkRequestLogging(
      new DynamoDBClient({ ...AWS_CLIENT_DEFAULTS, maxAttempts: 2, requestHandler: LOCK_TABLE_REQUEST_TIMEOUTS, ...region }),
    );
  const store = new DynamoDbRevocationStore(dynamodb, revocation.lockTable);
  return serveAwsSts({ config: config.worker, sts, revocation: { iam, store } }, callers);
}
