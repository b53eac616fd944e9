// A notifier's destination lives in Secrets Manager (an incoming-webhook URL is a credential): read
// on the first alert, not at cold start, so a notifier never holds up or breaks a function's
// start, then reused for five minutes so a rotated value is picked up without a redeploy.
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

const TTL_MS = 5 * 60_000;

export class NotifierSecretError extends Error {
  override readonly name = "NotifierSecretError";
}

export class NotifierSecret {
  #value: { text: string; readAt: number } | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly now: () => number = Date.now,
  ) {}

  async text(): Promise<string> {
    const cached = this.#value;
    if (cached && this.now() - cached.readAt < TTL_MS) return cached.text;
    let output: { SecretString?: string | undefined };
    try {
      output = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    } catch (error) {
      // A failed read keeps a value read before (a blip must not silence alerts).
      if (cached) return cached.text;
      throw new NotifierSecretError(`its secret could not be read (${error instanceof Error ? error.name : "error"})`, { cause: error });
    }
    const text = output.SecretString?.trim() ?? "";
    this.#value = { text, readAt: this.now() };
    return text;
  }
}
