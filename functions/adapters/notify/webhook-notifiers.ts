// The configured chat and webhook notifiers (CREDVEND_NOTIFIERS), each behind its urgency filter,
// ready for the fan-out, which keeps a failing one from affecting the others or the caller.
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Notifier } from "../../core/ports/notifier.js";
import type { NotifierConfig } from "../config/notifier-config.js";
import { NotifierSecret } from "./notifier-secret.js";
import { SignedWebhookNotifier } from "./signed-webhook-notifier.js";
import { SlackWebhookNotifier } from "./slack-webhook-notifier.js";
import type { WebhookPostOptions } from "./webhook-post.js";

export function webhookNotifiers(
  configs: readonly NotifierConfig[],
  secretsManager: () => SecretsManagerClient,
  options: WebhookPostOptions = {},
): { name: string; notifier: Notifier }[] {
  return configs.map((config) => {
    const secret = new NotifierSecret(secretsManager(), config.secretId);
    const inner = config.kind === "slack" ? new SlackWebhookNotifier(secret, options) : new SignedWebhookNotifier(secret, options);
    const notifier: Notifier =
      config.minUrgency === "high" ? { notify: async (n) => (n.urgency === "high" ? inner.notify(n) : undefined) } : inner;
    return { name: `${config.kind}:${config.name}`, notifier };
  });
}
