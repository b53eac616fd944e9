// `X-Hub-Signature-256` of GitHub webhooks: `sha256=` + hex HMAC-SHA256 of the raw body. Several
// secrets are accepted so one can be rotated without dropping deliveries; every comparison is in
// constant time, and every secret is tried (no early exit telling which one matched).
import { createHmac, timingSafeEqual } from "node:crypto";

const HEADER = /^sha256=([0-9a-f]{64})$/;

export type WebhookSignatureCheck = "valid" | "missing" | "malformed" | "mismatch";

export class GitHubWebhookSignature {
  private readonly secrets: readonly Buffer[];

  constructor(secrets: readonly string[]) {
    const usable = secrets.filter((secret) => secret.length > 0);
    if (usable.length === 0) throw new Error("at least one webhook secret is required");
    this.secrets = usable.map((secret) => Buffer.from(secret, "utf8"));
  }

  check(body: Uint8Array, header: string | undefined): WebhookSignatureCheck {
    if (header === undefined || header === "") return "missing";
    const match = HEADER.exec(header.trim().toLowerCase());
    if (!match) return "malformed";
    const given = Buffer.from(match[1]!, "hex");
    let valid = false;
    for (const secret of this.secrets) {
      const expected = createHmac("sha256", secret).update(body).digest();
      valid = timingSafeEqual(expected, given) || valid;
    }
    return valid ? "valid" : "mismatch";
  }
}

/** The header value GitHub would send for `body` signed with `secret` (tests, `credvend dev leak`). */
export function signWebhookBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}
