// The parts of GitHub's `secret_scanning_alert` event we use, checked by hand: a payload that
// lacks them is a 400 naming the field, before anything is looked up.
import { HttpError } from "../http/http-error.js";

/** Actions that mean "this secret is exposed"; the others (resolved, assigned, ...) are acknowledged. */
export const PROCESSED_ACTIONS: ReadonlySet<string> = new Set(["created", "reopened", "publicly_leaked", "validated"]);

export interface AlertEvent {
  readonly action: string;
  readonly owner: string;
  readonly repo: string;
  /** `owner/name`. */
  readonly repository: string;
  readonly number: number;
  readonly secretType?: string;
  readonly url?: string;
  readonly installationId?: number;
}

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

export function decodeAlertEvent(body: unknown): AlertEvent {
  const root = object(body, "body");
  const action = root.action;
  if (typeof action !== "string" || action === "") throw invalid("action: must be a non-empty string");
  const alert = object(root.alert, "alert");
  const number = alert.number;
  if (typeof number !== "number" || !Number.isSafeInteger(number) || number < 1)
    throw invalid("alert.number: must be a positive whole number");
  const repository = object(root.repository, "repository");
  const fullName = repository.full_name;
  const [owner, repo, extra] = typeof fullName === "string" ? fullName.split("/") : [];
  if (!owner || !repo || extra !== undefined || !NAME.test(owner) || !NAME.test(repo))
    throw invalid("repository.full_name: must be owner/name");
  const installation = root.installation === undefined ? undefined : object(root.installation, "installation").id;
  if (installation !== undefined && (typeof installation !== "number" || !Number.isSafeInteger(installation)))
    throw invalid("installation.id: must be a whole number");
  return {
    action,
    owner,
    repo,
    repository: `${owner}/${repo}`,
    number,
    ...(typeof alert.secret_type === "string" ? { secretType: alert.secret_type } : {}),
    ...(typeof alert.html_url === "string" ? { url: alert.html_url } : {}),
    ...(typeof installation === "number" ? { installationId: installation } : {}),
  };
}

function object(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(`${name}: must be a JSON object`);
  return value as Record<string, unknown>;
}

function invalid(message: string): HttpError {
  return new HttpError(400, "invalid_payload", message);
}

/**
 * What the signature covers, as a delivery key: X-GitHub-Delivery is not signed, so a captured
 * payload replayed under fresh ids is recognised by its alert, action and repository instead.
 */
export function signedAlertKey(alert: AlertEvent): string {
  return `alert:${alert.repository}#${alert.number}:${alert.action}`;
}
