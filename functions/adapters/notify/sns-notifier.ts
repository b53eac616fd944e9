// Alerts to an SNS topic: a subject and message a human reads in an e-mail, the JSON for machines
// after it, and `urgency` / `tag` message attributes so subscriptions can filter (a pager on high).
import { PublishCommand, type PublishCommandInput, type SNSClient } from "@aws-sdk/client-sns";
import type { Notification, Notifier } from "../../core/ports/notifier.js";

/** SNS subjects: ASCII, no line breaks, under 100 characters. */
const SUBJECT_LIMIT = 99;

export interface SnsNotifierOptions {
  /** The client, or how to build it on the first alert (a client costs a cold start ~10 ms). */
  readonly client: SNSClient | (() => SNSClient);
  readonly topicArn: string;
}

export class SnsNotifier implements Notifier {
  private client: SNSClient | undefined;

  constructor(private readonly options: SnsNotifierOptions) {}

  async notify(notification: Notification): Promise<void> {
    const { client } = this.options;
    this.client ??= typeof client === "function" ? client() : client;
    await this.client.send(new PublishCommand(snsPublishInput(this.options.topicArn, notification)));
  }
}

export function snsPublishInput(topicArn: string, notification: Notification): PublishCommandInput {
  const lines = Object.entries(notification.details).map(([name, value]) => `  ${name}: ${value}`);
  const json = JSON.stringify({
    kind: notification.kind,
    urgency: notification.urgency,
    title: notification.title,
    details: notification.details,
  });
  return {
    TopicArn: topicArn,
    Subject: subject(`[credvend ${notification.urgency}] ${notification.title}`),
    Message: `${notification.title}\n\n${lines.join("\n")}\n\n-- JSON --\n${json}\n`,
    MessageAttributes: {
      urgency: { DataType: "String", StringValue: notification.urgency },
      tag: { DataType: "String", StringValue: notification.kind },
    },
  };
}

function subject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, "?");
  return ascii.length > SUBJECT_LIMIT ? `${ascii.slice(0, SUBJECT_LIMIT - 3)}...` : ascii;
}
