// Alerts as JSON to any HTTPS endpoint, signed so the receiver knows they come from this
// deployment and are fresh: HMAC-SHA256 over `<timestamp>.<body>` with a shared secret.
//   X-Credvend-Delivery      the body's `id` (the same on every retry); NOT signed: for logs only
//   X-Credvend-Timestamp     Unix seconds when this attempt was signed
//   X-Credvend-Signature-256 sha256=<lower-case hex HMAC-SHA256(secret, timestamp + "." + raw body)>
// The receiver recomputes the HMAC over the raw body, compares in constant time, refuses
// timestamps more than 5 minutes off, and de-duplicates on the body's `id` (signed), never on the
// header: a replay inside the window with a new header value is then a duplicate (README "Notifiers").
import { createHmac, randomUUID } from "node:crypto";
import type { Notification, Notifier } from "../../core/ports/notifier.js";
import { httpsUrlProblem } from "../../core/https-url.js";
import type { NotifierSecret } from "./notifier-secret.js";
import { redactNotification } from "./redact-secrets.js";
import { postWithRetries, type WebhookPostOptions } from "./webhook-post.js";

const SIGNATURE_HEADER = "x-credvend-signature-256";
const TIMESTAMP_HEADER = "x-credvend-timestamp";
const DELIVERY_HEADER = "x-credvend-delivery";

/** `{"url":"https://…","signingSecret":"…"}`, as put in the notifier's secret. */
interface WebhookSecret {
  readonly url: string;
  readonly signingSecret: string;
}

export class SignedWebhookNotifier implements Notifier {
  constructor(
    private readonly secret: NotifierSecret,
    private readonly options: WebhookPostOptions & { readonly now?: () => number } = {},
  ) {}

  async notify(notification: Notification): Promise<void> {
    const { url, signingSecret } = parseSecret(await this.secret.text());
    const delivery = randomUUID();
    const body = JSON.stringify({ ...redactNotification(notification), id: delivery, source: "credvend" });
    const now = this.options.now ?? Date.now;
    await postWithRetries(
      url,
      body,
      () => {
        const timestamp = String(Math.floor(now() / 1000));
        return {
          [DELIVERY_HEADER]: delivery,
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signature(signingSecret, timestamp, body),
        };
      },
      this.options,
    );
  }
}

export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

function parseSecret(text: string): WebhookSecret {
  let value: Partial<WebhookSecret> = {};
  try {
    value = JSON.parse(text) as Partial<WebhookSecret>;
  } catch {
    // Not JSON yet: the generated placeholder.
  }
  const problem = typeof value.url === "string" ? httpsUrlProblem(value.url) : "missing";
  if (problem || typeof value.signingSecret !== "string" || value.signingSecret.length < 16) {
    throw new Error('its secret is not {"url":"https://…","signingSecret":"<at least 16 characters>"} yet');
  }
  return { url: value.url as string, signingSecret: value.signingSecret };
}
