// The aws-sts worker on AWS, built from its configuration (lambda.ts reads it).
import { IAMClient } from "@aws-sdk/client-iam";
import { STSClient } from "@aws-sdk/client-sts";
import type { ServedPlugin } from "../sdk/index.js";
import { STS_REQUEST_TIMEOUTS, type AwsStsLambdaConfig } from "./config.js";
import { serveAwsSts } from "./worker.js";

export interface AwsStsClients {
  readonly sts?: STSClient;
  readonly iam?: IAMClient;
}

export function composeAwsStsWorker(config: AwsStsLambdaConfig, clients: AwsStsClients = {}): ServedPlugin {
  // Two attempts of at most 1.5 s each: the SDK's own retry covers a blip, and the vend API's
  // deadline for the whole Vend (5 s by default) is kept even when STS hangs.
  const sts = clients.sts ?? new STSClient({ maxAttempts: 2, requestHandler: STS_REQUEST_TIMEOUTS });
  // Early revocation of single sessions is opt-in: it needs iam:GetRolePolicy/PutRolePolicy on the roles.
  const iam = config.revokeSessions ? (clients.iam ?? new IAMClient({ maxAttempts: 3 })) : undefined;
  return serveAwsSts({ config: config.worker, sts, ...(iam ? { iam } : {}) }, { allowedCallers: config.allowedCallers });
}
