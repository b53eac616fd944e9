import type { Notification, Notifier } from "../../core/ports/notifier.js";

/** One JSON line per alert on stderr (the local default; CloudWatch picks it up on AWS). */
export class ConsoleNotifier implements Notifier {
  constructor(private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)) {}

  async notify(notification: Notification): Promise<void> {
    this.write(
      JSON.stringify({ alert: notification.kind, urgency: notification.urgency, title: notification.title, details: notification.details }),
    );
  }
}
