// The sweeper's Lambda entry, invoked every minute by a schedule (infra/credvend-stack.ts): the
// environment (the GitHub App key from Secrets Manager, read again every few minutes:
// leak-response/secret-refresh.ts) read into its configuration, composed (compose.ts), and one
// sweep per invocation.
import { JsonLogger } from "../adapters/notify/json-logger.js";
import { loadLeakResponseConfig } from "../leak-response/leak-response-config.js";
import { refreshingApp } from "../leak-response/secret-refresh.js";
import { composeSweeperFunction } from "./compose.js";

const current = await refreshingApp(process.env, (env) => composeSweeperFunction(loadLeakResponseConfig(env)), {
  logger: new JsonLogger({ service: "credvend-sweeper" }),
});

export async function handler(): Promise<{ detections: number; alertsRead: number; alertsGivenUp: number; expired: number }> {
  const report = await (await current()).sweep();
  return {
    detections: report.detections.length,
    alertsRead: report.alertsRead,
    alertsGivenUp: report.alertsGivenUp,
    expired: report.expired,
  };
}
