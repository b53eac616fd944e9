// Alerts to a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat and others accept
// the same `text` + `blocks`): a header with the urgency, the details as fields, the kind in a
// context line. `text` is the fallback shown in notifications. The URL comes from the secret.
import type { Notification, Notifier } from "../../core/ports/notifier.js";
import { httpsUrlProblem } from "../../core/https-url.js";
import type { NotifierSecret } from "./notifier-secret.js";
import { redactNotification } from "./redact-secrets.js";
import { postWithRetries, type WebhookPostOptions } from "./webhook-post.js";

/** Slack's limits: a header's text, a section's field count, a field's and a section's text. */
const HEADER_LIMIT = 150;
const FIELDS_LIMIT = 10;
const FIELD_TEXT_LIMIT = 2000;

export class SlackWebhookNotifier implements Notifier {
  constructor(
    private readonly secret: NotifierSecret,
    private readonly options: WebhookPostOptions = {},
  ) {}

  async notify(notification: Notification): Promise<void> {
    const url = await this.secret.text();
    const problem = httpsUrlProblem(url);
    if (problem) throw new Error(`its secret holds no incoming-webhook URL yet (${problem.replace(/, not .*/, "")})`);
    await postWithRetries(url, JSON.stringify(slackMessage(notification)), () => ({}), this.options);
  }
}

interface SlackText {
  readonly type: "plain_text" | "mrkdwn";
  readonly text: string;
}

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

export function slackMessage(original: Notification): SlackMessage {
  const notification = redactNotification(original);
  const high = notification.urgency === "high";
  const label = high ? ":rotating_light: HIGH" : ":information_source: low";
  const fields: SlackText[] = Object.entries(notification.details).map(([name, value]) => ({
    type: "mrkdwn",
    text: cut(`*${escapeMrkdwn(name)}*\n${escapeMrkdwn(value)}`, FIELD_TEXT_LIMIT),
  }));
  const sections = [];
  for (let i = 0; i < fields.length; i += FIELDS_LIMIT) sections.push({ type: "section", fields: fields.slice(i, i + FIELDS_LIMIT) });
  return {
    text: `[credvend ${notification.urgency}] ${notification.title}`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: cut(`${high ? "🚨 " : ""}${notification.title}`, HEADER_LIMIT), emoji: true } },
      ...sections,
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: `${label} urgency · \`${escapeMrkdwn(notification.kind)}\` · credvend` }],
      },
    ],
  };
}

/** mrkdwn's three control characters (Slack's own escaping rules). */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function cut(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}
