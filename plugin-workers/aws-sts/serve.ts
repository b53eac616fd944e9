// Runs aws-sts on a loopback port over real HTTP: `npm start` and the e2e tests.
import { STSClient } from "@aws-sdk/client-sts";
import { listenOnLoopback, type LoopbackServer } from "../sdk/index.js";
import { STS_REQUEST_TIMEOUTS, loadAwsStsConfig, type AwsStsConfig } from "./config.js";
import { serveAwsSts } from "./worker.js";

export interface StartAwsStsOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Default: from the environment (CREDVEND_AWS_ROLE_ARN, CREDVEND_AWS_ROLES, ...). */
  readonly config?: AwsStsConfig;
  /** The secret the core sends with every gRPC call; without it any local process may call (tests only). */
  readonly callerSecret?: string;
}

/** Without a configured role the worker answers Describe and validation, and Vend says "not configured". */
export async function startAwsStsWorker(options: StartAwsStsOptions = {}): Promise<LoopbackServer> {
  const config = options.config ?? loadAwsStsConfig();
  const configured = config.defaultRoleArn !== undefined || Object.keys(config.roles).length > 0;
  // The SDK finds credentials itself (env, profile, SSO); AWS_ENDPOINT_URL_STS points it elsewhere.
  const sts = configured ? new STSClient({ maxAttempts: 2, requestHandler: STS_REQUEST_TIMEOUTS, region: process.env.AWS_REGION ?? "us-east-1" }) : undefined;
  const { app } = serveAwsSts({ config, ...(sts ? { sts } : {}) }, options.callerSecret === undefined ? {} : { callerSecret: options.callerSecret });
  return listenOnLoopback(app, options.port === undefined ? {} : { port: options.port });
}
