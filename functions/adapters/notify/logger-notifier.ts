import type { Logger } from "../../core/ports/logger.js";
import type { Notifier } from "../../core/ports/notifier.js";

/** Alerts as log lines (high urgency at `error`): where they go when no notifier is configured. */
export function loggerNotifier(logger: Logger): Notifier {
  return { notify: async (n) => logger.log(n.urgency === "high" ? "error" : "warn", n.title, { alert: n.kind, ...n.details }) };
}
