// The OpenAPI descriptions of the webhook routes, for /openapi.json. Build-time only
// (functions/vend/api-document.ts); the webhooks app (app.ts) never imports them.
// Bodies are not declared as validated JSON on purpose: signatures cover the exact raw bytes, so
// the handlers read and verify those first and decode afterwards.
import { createRoute, z } from "@hono/zod-openapi";

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) }).openapi("Error");
const errors = (codes: Record<number, string>) =>
  Object.fromEntries(
    Object.entries(codes).map(([status, description]) => [status, { description, content: { "application/json": { schema: ErrorBody } } }]),
  );

export const WebhookAnswer = z
  .object({
    status: z.enum(["pong", "ignored", "duplicate", "processed", "accepted"]),
    outcome: z.string().optional(),
    credentialId: z.string().optional(),
    reason: z.string().optional(),
  })
  .openapi("WebhookAnswer");

export const secretScanningRoute = createRoute({
  method: "post",
  path: "/webhooks/github/secret-scanning",
  summary: "GitHub secret_scanning_alert webhook",
  description:
    "Signed with X-Hub-Signature-256 (HMAC-SHA256 of the raw body). `ping` answers pong; actions created, reopened, " +
    "publicly_leaked and validated are processed (the secret is read through the REST API, hashed and looked up); others are ignored. " +
    "GitHub does not deliver again, so a 200 means the detection is recorded durably: `processed` when its outcome is final, " +
    "`accepted` when the sweeper finishes it (an alert not readable yet, a retry, a claim held elsewhere).",
  responses: {
    200: {
      description:
        "Recorded (processed or accepted), ignored (another event or action, a repository this deployment does not watch) or a repeat",
      content: { "application/json": { schema: WebhookAnswer } },
    },
    ...errors({
      400: "Malformed JSON or payload, missing X-GitHub-Event / X-GitHub-Delivery",
      401: "Missing or wrong signature",
      413: "Body over 1 MiB",
      415: "Not application/json",
      503: "The ledger is unavailable: nothing was recorded",
    }),
  },
});

export const PartnerLabel = z
  .array(z.object({ token_hash: z.string(), token_type: z.string(), label: z.enum(["true_positive", "false_positive"]) }))
  .openapi("PartnerLabels");

export const partnerRoute = createRoute({
  method: "post",
  path: "/webhooks/github/secret-scanning/partner",
  summary: "GitHub secret scanning partner program",
  description:
    "A JSON array of {token,type,url,source} signed with ECDSA P-256/SHA-256 (Github-Public-Key-Identifier, " +
    "Github-Public-Key-Signature). Answers one label per token (true_positive for credentials this deployment issued) " +
    "once every detection is recorded durably; revocations the inline attempt leaves unfinished are finished by the sweeper.",
  responses: {
    200: { description: "One label per match, in order", content: { "application/json": { schema: PartnerLabel } } },
    ...errors({
      400: "Malformed JSON, not an array, or a token that is not a string",
      401: "Missing, malformed or wrong signature, or a key identifier GitHub does not publish",
      413: "Body over 1 MiB",
      415: "Not application/json",
      503: "GitHub's keys or the ledger are unavailable: nothing was recorded",
    }),
  },
});
