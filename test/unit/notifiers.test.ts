// Console, SNS (at the SDK boundary with aws-sdk-client-mock) and the fan-out between them.
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { ConsoleNotifier } from "../../functions/adapters/notify/console-notifier.js";
import { FanOutNotifier } from "../../functions/adapters/notify/fan-out-notifier.js";
import { JsonLogger } from "../../functions/adapters/notify/json-logger.js";
import { SnsNotifier } from "../../functions/adapters/notify/sns-notifier.js";
import type { Notification } from "../../functions/core/ports/notifier.js";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:credvend-alerts";
const alert: Notification = {
  urgency: "high",
  kind: "manual_revoke_required",
  title: "ACTION REQUIRED: leaked credential is live and must be revoked by hand: aws credential c-1 (acme/web)",
  details: { credentialId: "c-1", "subject.repository": "acme/web", manualRevocationUrl: "https://console.aws.amazon.com/iam/home#/roles" },
};

const snsClient = () => new SNSClient({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });

describe("SnsNotifier", () => {
  it("publishes a human subject and message, the JSON, and urgency/tag attributes for filtering", async () => {
    const client = snsClient();
    const sns = mockClient(client);
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    await new SnsNotifier({ client, topicArn: TOPIC }).notify(alert);

    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const json = JSON.stringify({ kind: alert.kind, urgency: "high", title: alert.title, details: alert.details });
    expect(calls[0]!.args[0].input).toEqual({
      TopicArn: TOPIC,
      Subject: "[credvend high] ACTION REQUIRED: leaked credential is live and must be revoked by hand: aws cred...",
      Message:
        `${alert.title}\n\n  credentialId: c-1\n  subject.repository: acme/web\n` +
        `  manualRevocationUrl: https://console.aws.amazon.com/iam/home#/roles\n\n-- JSON --\n${json}\n`,
      MessageAttributes: {
        urgency: { DataType: "String", StringValue: "high" },
        tag: { DataType: "String", StringValue: "manual_revoke_required" },
      },
    });
    expect(calls[0]!.args[0].input.Subject!.length).toBeLessThan(100);
  });

  it("keeps the subject ASCII (SNS refuses anything else)", async () => {
    const client = snsClient();
    const sns = mockClient(client);
    sns.on(PublishCommand).resolves({});
    await new SnsNotifier({ client, topicArn: TOPIC }).notify({ ...alert, title: "Zoë leaked 🚀" });
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input.Subject).toBe("[credvend high] Zo? leaked ??");
  });

  it("surfaces a Publish failure to its caller", async () => {
    const client = snsClient();
    mockClient(client).on(PublishCommand).rejects(new Error("throttled"));
    await expect(new SnsNotifier({ client, topicArn: TOPIC }).notify(alert)).rejects.toThrow("throttled");
  });

  it("given how to build its client, builds it on the first alert and only once", async () => {
    const client = snsClient();
    const sns = mockClient(client);
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    let built = 0;
    const build = () => {
      built++;
      return client;
    };
    const notifier = new SnsNotifier({ client: build, topicArn: TOPIC });
    expect(built).toBe(0);
    await notifier.notify(alert);
    await notifier.notify(alert);
    expect(built).toBe(1);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  });
});

describe("ConsoleNotifier", () => {
  it("writes one JSON line per alert", async () => {
    const lines: string[] = [];
    const notifier = new ConsoleNotifier((line) => lines.push(line));
    await notifier.notify(alert);
    await notifier.notify({ ...alert, urgency: "low", kind: "detected_after_expiry" });
    expect(lines).toHaveLength(2);
    expect(lines.every((line) => !line.includes("\n"))).toBe(true);
    expect(JSON.parse(lines[0]!)).toEqual({ alert: alert.kind, urgency: "high", title: alert.title, details: alert.details });
    expect(JSON.parse(lines[1]!)).toMatchObject({ alert: "detected_after_expiry", urgency: "low" });
  });
});

describe("FanOutNotifier", () => {
  it("delivers to every notifier; one failing is logged and neither fails the call nor blocks the others", async () => {
    const client = snsClient();
    mockClient(client).on(PublishCommand).rejects(new Error("SNS is down"));
    const lines: string[] = [];
    const logs: string[] = [];
    const fanOut = new FanOutNotifier(
      [
        { name: "sns", notifier: new SnsNotifier({ client, topicArn: TOPIC }) },
        { name: "console", notifier: new ConsoleNotifier((line) => lines.push(line)) },
      ],
      new JsonLogger({ service: "test", write: (line) => logs.push(line) }),
    );
    await expect(fanOut.notify(alert)).resolves.toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(logs).toHaveLength(1);
    expect(JSON.parse(logs[0]!)).toMatchObject({
      level: "error",
      message: "notifier failed",
      notifier: "sns",
      kind: alert.kind,
      error: { message: "SNS is down" },
    });
  });
});
