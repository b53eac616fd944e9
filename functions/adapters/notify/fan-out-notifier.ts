import type { Logger } from "../../core/ports/logger.js";
import type { Notification, Notifier } from "../../core/ports/notifier.js";

/** Several notifiers at once: all run concurrently, and one that fails is logged and does not
 *  fail the caller or hold up the others. */
export class FanOutNotifier implements Notifier {
  constructor(
    private readonly notifiers: readonly { readonly name: string; readonly notifier: Notifier }[],
    private readonly logger: Logger,
  ) {}

  async notify(notification: Notification): Promise<void> {
    await Promise.all(
      this.notifiers.map(async ({ name, notifier }) => {
        try {
          await notifier.notify(notification);
        } catch (error) {
          this.logger.log("error", "notifier failed", {
            notifier: name,
            kind: notification.kind,
            error: error instanceof Error ? error : new Error(String(error)),
          });
        }
      }),
    );
  }
}
