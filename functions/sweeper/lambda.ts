// The sweeper's Lambda entry, invoked every minute by a schedule (infra/credvend-stack.ts): the
// environment (the webhooks function's, secrets from Secrets Manager) read into its configuration,
// composed (compose.ts), and one sweep per invocation.
import { resolveSecretEnv } from "../webhooks/secret-env.js";
import { loadWebhooksConfig } from "../webhooks/webhooks-config.js";
import { composeSweeperFunction } from "./compose.js";

const sweeper = composeSweeperFunction(loadWebhooksConfig(await resolveSecretEnv(process.env)));

export async function handler(): Promise<{ detections: number; alertsRead: number; alertsGivenUp: number; expired: number }> {
  const report = await sweeper.sweep();
  return {
    detections: report.detections.length,
    alertsRead: report.alertsRead,
    alertsGivenUp: report.alertsGivenUp,
    expired: report.expired,
  };
}
