// The webhooks function's HTTP API: GitHub's secret_scanning_alert webhook and its partner
// program. Ports come in as options; lambda.ts and compose.ts build the real ones.
import { Hono, type Context } from "hono";
import type { LeakHandler } from "../core/leak/leak-handler.js";
import { isFinished, type LeakResult } from "../core/leak/leak-detection.js";
import { CredvendError } from "../core/errors.js";
import { systemClock, type Clock } from "../core/ports/clock.js";
import type { CredentialLedger } from "../core/ports/credential-ledger.js";
import { silentLogger, type Logger } from "../core/ports/logger.js";
import { tokenHash } from "../../plugin-protocol/token-hash.js";
import type { AlertSecretSource } from "../adapters/github/github-alert-secrets.js";
import type { GitHubPartnerKeys } from "../adapters/github/github-partner-keys.js";
import { checkPartnerSignature } from "../adapters/github/github-partner-signature.js";
import type { GitHubWebhookSignature } from "../adapters/github/github-webhook-signature.js";
import { errorHandler, HttpError, notFound } from "../http/http-error.js";
import { parseJsonBytes, readJsonBodyBytes } from "../http/json-body.js";
import { PROCESSED_ACTIONS, decodeAlertEvent, signedAlertKey } from "./alert-event.js";
import { decodePartnerBatch } from "./partner-batch.js";
import { decodePushEvent } from "./push-event.js";
import type { TrustPolicyInvalidations } from "../core/ports/trust-policy-invalidations.js";

export interface WebhooksAppOptions {
  readonly handler: LeakHandler;
  /** Remembers processed deliveries (X-GitHub-Delivery, and the signed alert they carried). */
  readonly ledger: CredentialLedger;
  readonly webhookSignature: GitHubWebhookSignature;
  readonly partnerKeys: GitHubPartnerKeys;
  readonly alertSecrets: AlertSecretSource;
  /** Repositories (`owner/name`) whose alerts this deployment handles; default all. */
  readonly watchesRepository?: (repository: string) => boolean;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly maxBodyBytes?: number;
  /** How long a delivery acts inline before answering and leaving the rest to the sweeper. Default 4 s. */
  readonly inlineBudgetMs?: number;
  /** Self-serve trust: where a `push` touching `.github/credvend/` is marked, for the vend functions. Absent: pushes are ignored. */
  readonly trustPolicyInvalidations?: TrustPolicyInvalidations;
}

/** Well inside GitHub's 10 s: the alert read (≤ 3 s, adapters/github) + the inline attempt + writes. */
export const INLINE_BUDGET_MS = 4_000;

/** GitHub sends at most 25 MB webhooks, but an alert event is a few KiB and 1,000 partner matches well under 1 MiB. */
export const WEBHOOK_MAX_BODY_BYTES = 1024 * 1024;
const DELIVERY_ID = /^[A-Za-z0-9-]{1,100}$/;

/** The routes' OpenAPI descriptions are in routes.ts (build-time only). */
export function createWebhooksApp(options: WebhooksAppOptions): Hono {
  const app = new Hono();
  app.onError(errorHandler(options.logger ?? silentLogger));
  app.notFound(notFound);
  app.post("/webhooks/github/secret-scanning", async (c) => c.json(await handleAlertDelivery(options, c), 200));
  app.post("/webhooks/github/secret-scanning/partner", async (c) => c.json(await handlePartnerBatch(options, c), 200));
  return app;
}

/**
 * A `push` (same signature check as every delivery): one touching `.github/credvend/` on the
 * default branch marks the repository's trust policies changed, so every vend function stops using
 * its cached copy at once. Idempotent: a redelivery only moves the marker later.
 */
async function handlePush(options: WebhooksAppOptions, payload: unknown): Promise<WebhookAnswerBody> {
  const push = decodePushEvent(payload);
  if (!options.trustPolicyInvalidations) return { status: "ignored", reason: "self-serve trust is not configured" };
  if (!push.touchesTrustPolicies) return { status: "ignored", reason: "no trust policy changed on the default branch" };
  await options.trustPolicyInvalidations.invalidate("github", push.repository, (options.clock ?? systemClock).now());
  return { status: "processed", outcome: "trust_policies_invalidated" };
}

type WebhookAnswerBody = {
  status: "pong" | "ignored" | "duplicate" | "processed" | "accepted";
  outcome?: string;
  credentialId?: string;
  reason?: string;
};

/**
 * One `secret_scanning_alert` delivery: verify, filter, deduplicate, read the secret, record the
 * detection durably, act within a budget. GitHub never delivers again, so a 2xx means "recorded":
 * an alert GitHub cannot serve yet (404 right after `created`, rate limit) is recorded as pending
 * and read by the sweeper; only a failure to record anything is a 5xx.
 */
async function handleAlertDelivery(options: WebhooksAppOptions, c: Context): Promise<WebhookAnswerBody> {
  const body = await readJsonBodyBytes(c, options.maxBodyBytes ?? WEBHOOK_MAX_BODY_BYTES);
  const signature = options.webhookSignature.check(body, c.req.header("x-hub-signature-256"));
  if (signature === "missing") throw unauthenticated("missing_signature", "X-Hub-Signature-256 is required");
  if (signature !== "valid") throw unauthenticated("invalid_signature", "X-Hub-Signature-256 does not match the body");

  const event = c.req.header("x-github-event");
  if (!event) throw new HttpError(400, "missing_event", "X-GitHub-Event is required");
  if (event === "ping") return { status: "pong" };
  if (event === "push") return handlePush(options, parseJsonBytes(body));
  if (event !== "secret_scanning_alert") return { status: "ignored", reason: `event ${event}` };
  const alert = decodeAlertEvent(parseJsonBytes(body));
  if (!PROCESSED_ACTIONS.has(alert.action)) return { status: "ignored", reason: `action ${alert.action}` };
  // Acknowledged, not refused: a 4xx would show as a failed delivery in GitHub's UI.
  if (options.watchesRepository && !options.watchesRepository(alert.repository))
    return { status: "ignored", reason: `repository ${alert.repository} is not watched` };
  const deliveryId = c.req.header("x-github-delivery");
  if (!deliveryId || !DELIVERY_ID.test(deliveryId)) throw new HttpError(400, "missing_delivery", "X-GitHub-Delivery is required");
  const alertKey = signedAlertKey(alert);
  const seen = await Promise.all([options.ledger.hasDelivery(deliveryId), options.ledger.hasDelivery(alertKey)]);
  if (seen.some(Boolean)) return { status: "duplicate" };

  const at = (options.clock ?? systemClock).now();
  let secret: string;
  try {
    secret = await options.alertSecrets.secretOf(alert);
  } catch (error) {
    if (!(error instanceof CredvendError)) throw error;
    await options.ledger.recordPendingAlert({
      owner: alert.owner,
      repo: alert.repo,
      number: alert.number,
      deliveryId,
      attempts: 1,
      dueAt: at.getTime(),
      ...(alert.installationId !== undefined ? { installationId: alert.installationId } : {}),
      ...(alert.secretType ? { secretType: alert.secretType } : {}),
      ...(alert.url ? { url: alert.url } : {}),
    });
    await rememberDelivery(options, { deliveryId, alertKey }, at);
    return { status: "accepted", reason: `alert not readable yet (${error.code}); the sweeper reads it` };
  }
  const result = await options.handler.handle(
    {
      tokenHash: tokenHash(secret),
      source: {
        channel: "secret_scanning_alert",
        repository: alert.repository,
        alertNumber: String(alert.number),
        deliveryId,
        ...(alert.url ? { url: alert.url } : {}),
        ...(alert.secretType ? { secretType: alert.secretType } : {}),
      },
    },
    { budgetMs: options.inlineBudgetMs ?? INLINE_BUDGET_MS },
  );
  // Remembered once recorded: from here on the sweeper owns whatever is unfinished.
  await rememberDelivery(options, { deliveryId, alertKey }, at);
  return answer(result);
}

/** Only saves a repeat its REST read: the detection is stored already, so a failure here is no 5xx. */
async function rememberDelivery(options: WebhooksAppOptions, keys: { deliveryId: string; alertKey: string }, at: Date): Promise<void> {
  try {
    // Under the signed alert too: a captured payload replayed with fresh delivery ids is a repeat.
    await Promise.all([
      options.ledger.recordDelivery(keys.deliveryId, at.toISOString()),
      options.ledger.recordDelivery(keys.alertKey, at.toISOString()),
    ]);
  } catch (error) {
    (options.logger ?? silentLogger).log("warn", "delivery id not remembered", {
      deliveryId: keys.deliveryId,
      error: error instanceof Error ? error : undefined,
    });
  }
}

function answer(result: LeakResult): WebhookAnswerBody {
  return {
    status: isFinished(result) ? "processed" : "accepted",
    outcome: result.outcome,
    ...(result.credentialId ? { credentialId: result.credentialId } : {}),
  };
}

/** One partner-program batch: verify, hash, act on ours, label each match in order. */
async function handlePartnerBatch(options: WebhooksAppOptions, c: Context) {
  const body = await readJsonBodyBytes(c, options.maxBodyBytes ?? WEBHOOK_MAX_BODY_BYTES);
  await verifyPartner(options.partnerKeys, body, c);
  const matches = decodePartnerBatch(parseJsonBytes(body));
  // Recorded durably (or a 5xx), then acted on within the budget; the sweeper finishes the rest.
  const results = await options.handler.handleMany(
    matches.map((m) => m.detection),
    { budgetMs: options.inlineBudgetMs ?? INLINE_BUDGET_MS },
  );
  return results.map((result, i) => ({
    token_hash: result.tokenHash,
    token_type: matches[i]!.tokenType,
    label: result.outcome === "unknown" ? ("false_positive" as const) : ("true_positive" as const),
  }));
}

async function verifyPartner(keys: GitHubPartnerKeys, body: Uint8Array, c: Context): Promise<void> {
  const check = await checkPartnerSignature(
    keys,
    body,
    c.req.header("github-public-key-identifier"),
    c.req.header("github-public-key-signature"),
  );
  if (check === "missing")
    throw unauthenticated("missing_signature", "Github-Public-Key-Identifier and Github-Public-Key-Signature are required");
  if (check === "unknown_key") throw unauthenticated("unknown_key", "GitHub publishes no secret scanning key with this identifier");
  if (check !== "valid") throw unauthenticated("invalid_signature", "Github-Public-Key-Signature does not match the body");
}

function unauthenticated(code: string, message: string): HttpError {
  return new HttpError(401, code, message);
}
