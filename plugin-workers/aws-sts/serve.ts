// Runs aws-sts on a loopback port over real HTTP: `npm start` and the e2e tests. Configured and
// composed as on Lambda (config.ts, compose.ts), so CREDVEND_AWS_REVOKE_SESSIONS=1 revokes here too.
import { listenOnLoopback, type LoopbackServer } from "../sdk/listen.js";
import { composeAwsStsWorker, type AwsStsClients } from "./compose.js";
import { loadAwsStsLambdaConfig, type AwsStsLambdaConfig } from "./config.js";

export interface StartAwsStsOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Default: from the environment, as on Lambda (CREDVEND_AWS_ROLE_ARN, CREDVEND_AWS_REVOKE_SESSIONS, ...). */
  readonly config?: AwsStsLambdaConfig;
  /** The local stack hands in its embedded DynamoDB for the lock table; the rest are built. */
  readonly clients?: AwsStsClients;
  /** The secret the core sends with every gRPC call; without it any local process may call (tests only). */
  readonly callerSecret?: string;
}

/** Without a configured role the worker answers Describe and validation, and Vend says "not configured". */
export async function startAwsStsWorker(options: StartAwsStsOptions = {}): Promise<LoopbackServer> {
  const config = options.config ?? loadAwsStsLambdaConfig();
  // The SDK finds credentials itself (env, profile, SSO); AWS_ENDPOINT_URL_STS, _IAM and _DYNAMODB
  // point it elsewhere (a local stand-in).
  const { app } = composeAwsStsWorker(config, {
    clients: options.clients ?? {},
    region: process.env.AWS_REGION || "us-east-1",
    callers: options.callerSecret === undefined ? {} : { callerSecret: options.callerSecret },
  });
  return listenOnLoopback(app, options.port === undefined ? {} : { port: options.port });
}
