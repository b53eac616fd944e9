// The alert poller's Lambda entry, invoked on a schedule (infra/credvend-stack.ts, every minute by
// default): the environment (the GitHub App key from Secrets Manager, read again every few
// minutes: leak-response/secret-refresh.ts) read into its configuration, composed (compose.ts),
// and one bounded poll per invocation.
import { JsonLogger } from "../adapters/notify/json-logger.js";
import type { PollReport } from "../core/leak/alert-poller.js";
import { refreshingApp } from "../leak-response/secret-refresh.js";
import { composePollerFunction } from "./compose.js";
import { loadPollerConfig } from "./poller-config.js";

const current = await refreshingApp(process.env, (env) => composePollerFunction(loadPollerConfig(env)), {
  logger: new JsonLogger({ service: "credvend-alert-poller" }),
});

/** A list GitHub refused (not a rate limit) fails the invocation, so the function's Errors alarm
 *  tells on-call that lost webhooks are no longer backed up; the watermark keeps the place. */
export async function handler(): Promise<PollReport> {
  const report = await (await current()).poll();
  if (report.stopped === "failed") throw new Error("the open alerts could not be listed (see the warning logged before)");
  return report;
}
