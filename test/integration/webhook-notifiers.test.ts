// Chat and webhook notifiers as deployed: destinations in Secrets Manager (moto's, at its real
// API), alerts POSTed to receivers on loopback HTTP that check what a real one would — Slack's
// text + blocks, the HMAC signature, freshness and de-duplication on the body's id as the README
// tells receivers to do — with retries,
// urgency filters, redaction, and a failing notifier that does not hold up the others.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsFunctionAdapters } from "../../functions/adapters/aws-function-adapters.js";
import type { NotifierConfig } from "../../functions/adapters/config/notifier-config.js";
import { FanOutNotifier } from "../../functions/adapters/notify/fan-out-notifier.js";
import { JsonLogger } from "../../functions/adapters/notify/json-logger.js";
import { webhookNotifiers } from "../../functions/adapters/notify/webhook-notifiers.js";
import type { Notification } from "../../functions/core/ports/notifier.js";
import { listenOnLoopbackPort, type LoopbackListening } from "../support/loopback-server.js";
import { motoMissing, startMotoServer, type MotoServer } from "../support/moto-server.js";

const missing = motoMissing();

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
}

/** A receiver answering each request with the next status of `statuses` (the last one repeats). */
async function receiver(statuses: number[] = [200]): Promise<LoopbackListening & { received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(statuses[Math.min(received.length, statuses.length) - 1] ?? 200).end("ok");
    });
  });
  return Object.assign(await listenOnLoopbackPort(server), { received });
}

type ReceiverVerdict = "new" | "duplicate" | "forged" | "stale";

/**
 * What docs/operating.md tells a receiver to do, written independently of the notifier: check the HMAC
 * over `<timestamp>.<raw body>` in constant time, refuse a timestamp more than 5 minutes off, then
 * de-duplicate on the body's `id` — signed, unlike the X-Credvend-Delivery header.
 */
function documentedReceiver(secret: string): (received: Received, now: number) => ReceiverVerdict {
  const seen = new Map<string, number>(); // body id → when first accepted (kept longer than the window)
  return (received, now) => {
    const timestamp = String(received.headers["x-credvend-timestamp"]);
    const given = Buffer.from(String(received.headers["x-credvend-signature-256"]));
    const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(`${timestamp}.${received.body}`).digest("hex")}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "forged";
    if (!/^\d+$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > 300) return "stale";
    const { id } = JSON.parse(received.body) as { id: string };
    if (seen.has(id)) return "duplicate";
    seen.set(id, now);
    return "new";
  };
}

/** Signed by the secret and fresh (a first delivery). */
function verifiedByReceiver(received: Received, secret: string, now: number): boolean {
  return documentedReceiver(secret)(received, now) === "new";
}

const LEAKED = "cvd_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
const leak: Notification = {
  urgency: "high",
  kind: "manual_revoke_required",
  title: "ACTION REQUIRED: leaked credential is live and must be revoked by hand",
  details: {
    credentialId: "c-1",
    repository: "acme/web",
    manualRevocationUrl: "https://console.aws.amazon.com/iam/home",
    oops: `token ${LEAKED}`,
  },
};
const note: Notification = {
  urgency: "low",
  kind: "detected_after_expiry",
  title: "leaked credential had already expired",
  details: { credentialId: "c-2" },
};
const SIGNING_SECRET = "s3cret-signing-key-0123456789";
const fast = { backoffMs: () => 10, timeoutMs: 2_000 };

describe.skipIf(missing !== undefined)(`webhook notifiers${missing ? ` — skipped: ${missing}` : ""}`, () => {
  let moto: MotoServer;
  let secrets: SecretsManagerClient;
  const receivers: LoopbackListening[] = [];
  const put = async (name: string, value: string) =>
    (await secrets.send(new CreateSecretCommand({ Name: `${name}-${Date.now()}-${Math.random()}`, SecretString: value }))).ARN as string;
  const listen = async (statuses?: number[]) => {
    const r = await receiver(statuses);
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    moto = await startMotoServer();
    secrets = new SecretsManagerClient({
      endpoint: moto.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
    });
  }, 60_000);
  afterAll(async () => {
    for (const r of receivers) await r.close();
    secrets?.destroy();
    await moto?.close();
  });

  it("slack: text and blocks with the urgency, the details as fields, and no token even if one slipped into a detail", async () => {
    const chat = await listen();
    const [slack] = webhookNotifiers(
      [{ name: "ops", kind: "slack", secretId: await put("slack", `${chat.url}/services/T0/B0/x`), minUrgency: "low" }],
      () => secrets,
      fast,
    );
    await slack?.notifier.notify(leak);
    expect(chat.received).toHaveLength(1);
    const message = JSON.parse(chat.received[0]?.body ?? "") as {
      text: string;
      blocks: { type: string; text?: { text: string }; fields?: { text: string }[]; elements?: { text: string }[] }[];
    };
    expect(chat.received[0]?.headers["content-type"]).toBe("application/json");
    expect(message.text).toBe(`[credvend high] ${leak.title}`);
    expect(message.blocks.map((block) => block.type)).toEqual(["header", "section", "context"]);
    expect(message.blocks[0]?.text?.text).toBe(`🚨 ${leak.title}`);
    expect(message.blocks[1]?.fields?.map((field) => field.text)).toContain("*repository*\nacme/web");
    expect(message.blocks[2]?.elements?.[0]?.text).toContain("HIGH urgency · `manual_revoke_required`");
    expect(chat.received[0]?.body).not.toContain(LEAKED);
    expect(chat.received[0]?.body).toContain("token [redacted]");
  });

  it("webhook: a JSON body signed with HMAC-SHA256 that the receiver verifies as documented; a tampered body does not verify", async () => {
    const hook = await listen();
    const secretId = await put("hook", JSON.stringify({ url: `${hook.url}/credvend`, signingSecret: SIGNING_SECRET }));
    const [signed] = webhookNotifiers([{ name: "pager", kind: "webhook", secretId, minUrgency: "low" }], () => secrets, fast);
    await signed?.notifier.notify(leak);
    const [delivery] = hook.received;
    expect(delivery && verifiedByReceiver(delivery, SIGNING_SECRET, Date.now())).toBe(true);
    expect(
      delivery && verifiedByReceiver({ ...delivery, body: delivery.body.replace("acme/web", "acme/api") }, SIGNING_SECRET, Date.now()),
    ).toBe(false);
    expect(delivery && verifiedByReceiver(delivery, "another-secret-0123456789", Date.now())).toBe(false);
    expect(JSON.parse(delivery?.body ?? "")).toMatchObject({
      kind: leak.kind,
      urgency: "high",
      title: leak.title,
      source: "credvend",
      id: delivery?.headers["x-credvend-delivery"],
    });
    expect(delivery?.body).not.toContain(LEAKED);
  });

  it("signed-webhook notifier replay: a delivery replayed with a new X-Credvend-Delivery header is a duplicate to the documented receiver (it de-duplicates on the body's signed id); a stale or re-stamped one is refused", async () => {
    const hook = await listen();
    const secretId = await put("replay", JSON.stringify({ url: hook.url, signingSecret: SIGNING_SECRET }));
    const [signed] = webhookNotifiers([{ name: "replayed", kind: "webhook", secretId, minUrgency: "low" }], () => secrets, fast);
    await signed?.notifier.notify(leak);
    await signed?.notifier.notify(leak);
    const [first, second] = hook.received;
    const accept = documentedReceiver(SIGNING_SECRET);
    const now = Date.now();
    expect(accept(first!, now)).toBe("new");
    // The attacker's replay inside the window: same signed body and timestamp, a fresh header value.
    const replay = { ...first!, headers: { ...first!.headers, "x-credvend-delivery": "00000000-0000-4000-8000-000000000000" } };
    expect(accept(replay, now + 60_000)).toBe("duplicate");
    // The same alert sent again is a new delivery with its own id.
    expect(accept(second!, now)).toBe("new");
    // Outside the window, and with a timestamp the attacker moved forward, it is refused.
    expect(documentedReceiver(SIGNING_SECRET)(first!, now + 301_000)).toBe("stale");
    const restamped = { ...first!, headers: { ...first!.headers, "x-credvend-timestamp": String(Math.floor(now / 1000) + 200) } };
    expect(documentedReceiver(SIGNING_SECRET)(restamped, now + 301_000)).toBe("forged");
  });

  it("retries 5xx and 429 a bounded number of times, with the same delivery id, each attempt signed again", async () => {
    const flaky = await listen([503, 429, 200]);
    const [signed] = webhookNotifiers(
      [
        {
          name: "flaky",
          kind: "webhook",
          secretId: await put("flaky", JSON.stringify({ url: flaky.url, signingSecret: SIGNING_SECRET })),
          minUrgency: "low",
        },
      ],
      () => secrets,
      fast,
    );
    await signed?.notifier.notify(leak);
    expect(flaky.received).toHaveLength(3);
    expect(new Set(flaky.received.map((r) => r.headers["x-credvend-delivery"])).size).toBe(1);
    // Each attempt verifies; after the first is accepted, the retries are duplicates by the body's id.
    const accept = documentedReceiver(SIGNING_SECRET);
    expect(flaky.received.map((r) => accept(r, Date.now()))).toEqual(["new", "duplicate", "duplicate"]);

    const down = await listen([500]);
    const [slack] = webhookNotifiers(
      [{ name: "down", kind: "slack", secretId: await put("down", down.url), minUrgency: "low" }],
      () => secrets,
      fast,
    );
    await expect(slack?.notifier.notify(leak)).rejects.toThrow("delivery failed: HTTP 500");
    expect(down.received).toHaveLength(3);

    const refused = await listen([404]);
    const [gone] = webhookNotifiers(
      [{ name: "gone", kind: "slack", secretId: await put("gone", refused.url), minUrgency: "low" }],
      () => secrets,
      fast,
    );
    await expect(gone?.notifier.notify(leak)).rejects.toThrow("delivery failed: HTTP 404");
    expect(refused.received).toHaveLength(1);
  });

  it("minUrgency high: a low note is not sent, a leak is", async () => {
    const pager = await listen();
    const [filtered] = webhookNotifiers(
      [{ name: "pager", kind: "slack", secretId: await put("pager", pager.url), minUrgency: "high" }],
      () => secrets,
      fast,
    );
    await filtered?.notifier.notify(note);
    await filtered?.notifier.notify(leak);
    expect(pager.received.map((r) => (JSON.parse(r.body) as { text: string }).text)).toEqual([`[credvend high] ${leak.title}`]);
  });

  it("deployed wiring: a failing notifier (a placeholder secret, a dead receiver) is logged without its URL and the others still get the alert", async () => {
    const hook = await listen();
    const dead = await listen([500]);
    const notifiers: NotifierConfig[] = [
      { name: "not-yet", kind: "slack", secretId: await put("placeholder", "Xk3b9QpLr7TzWm2vNs8Y"), minUrgency: "low" },
      { name: "dead", kind: "slack", secretId: await put("dead", `${dead.url}/services/SECRETPATH`), minUrgency: "low" },
      {
        name: "pager",
        kind: "webhook",
        secretId: await put("ok", JSON.stringify({ url: hook.url, signingSecret: SIGNING_SECRET })),
        minUrgency: "low",
      },
    ];
    const lines: string[] = [];
    const adapters = awsFunctionAdapters(
      "credvend-test",
      { ledgerTable: "t", awsRegion: "us-east-1", notifiers },
      { secretsManager: secrets },
    );
    // The function's fan-out logs to stderr: the same fan-out with a logger whose lines we read.
    const logger = new JsonLogger({ service: "t", write: (line) => lines.push(line) });
    const fanOut = new FanOutNotifier(
      webhookNotifiers(notifiers, () => secrets, fast),
      logger,
    );
    await fanOut.notify(leak);
    expect(hook.received).toHaveLength(1);
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          message: "notifier failed",
          notifier: "slack:not-yet",
          error: expect.objectContaining({ message: expect.stringContaining("holds no incoming-webhook URL yet") }),
        }),
        expect.objectContaining({
          message: "notifier failed",
          notifier: "slack:dead",
          error: expect.objectContaining({ message: "delivery failed: HTTP 500" }),
        }),
      ]),
    );
    expect(lines.join("\n")).not.toMatch(/SECRETPATH|Xk3b9QpLr7TzWm2vNs8Y|127\.0\.0\.1/);
    // And the function's own notifier (console + the three) delivers to the working one as well.
    await adapters.notifier.notify(leak);
    expect(hook.received).toHaveLength(2);
  }, 30_000);
});
