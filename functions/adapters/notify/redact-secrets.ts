// A last line of defence for alerts that leave the account (chat, webhooks): notifications are
// written to hold no secret, but should a token ever slip into a detail, the shapes of the
// credentials credvend vends are masked before anything is sent. Token hashes (64 hex), ids,
// git SHAs (40 lower-case hex) and URLs are left alone.
import type { Notification } from "../../core/ports/notifier.js";

const MASK = "[redacted]";

const TOKEN_SHAPES: readonly RegExp[] = [
  /\bcvd_[A-Za-z0-9_-]{8,}/g, // local-tokens
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, // AWS access key ids
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/g, // JWTs (an OIDC token)
  /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{100,}/g, // AWS session tokens and other long base64
];

/** A 40-character base64 run with both cases: the shape of an AWS secret access key. */
const AWS_SECRET_KEY = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/g;

export function redactSecrets(text: string): string {
  let result = text;
  for (const shape of TOKEN_SHAPES) result = result.replace(shape, MASK);
  return result.replace(AWS_SECRET_KEY, (run) => (/[A-Z]/.test(run) && /[a-z]/.test(run) ? MASK : run));
}

/** The notification with every text field passed through redactSecrets. */
export function redactNotification(notification: Notification): Notification {
  return {
    urgency: notification.urgency,
    kind: redactSecrets(notification.kind),
    title: redactSecrets(notification.title),
    details: Object.fromEntries(Object.entries(notification.details).map(([name, value]) => [name, redactSecrets(value)])),
  };
}
