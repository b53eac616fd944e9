// Keeps a token file fresh for the job's life: asks the Actions OIDC endpoint again when half the
// current token's remaining life has passed, so whoever reads the file (the AWS SDKs on each
// credential refresh) always finds a token with plenty of time left. A failed request is retried
// with backoff while the current token still serves. It stops when told to (the signal), when
// its token file is gone (the Action's post step), or when every request has failed for an hour
// after the last token expired (the job is over).
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fetchActionsOidcToken } from "./actions-oidc.js";
import { jwtExpiryMs, readTokenFile, tokenFileIn, writeTokenFile } from "./oidc-token-file.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface OidcRefresherOptions {
  /** The private directory holding the token file (createTokenDir). */
  readonly dir: string;
  readonly audience: string;
  /** ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN. */
  readonly env: Env;
  /** One line per problem; never a token. */
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}

const MIN_DELAY_MS = 1_000;
/** Even a long-lived token is renewed this often, so a wrong clock cannot starve the file. */
const MAX_DELAY_MS = 5 * 60_000;
const MAX_RETRY_MS = 30_000;
/**
 * Every request failing for this long after the last token expired: the job is over (its
 * request token no longer works) or GitHub is gone; nothing is left to serve, so it stops.
 */
const GIVE_UP_AFTER_EXPIRY_MS = 60 * 60_000;
/** How often it looks whether its file is still there while it waits. */
const CHECK_MS = 1_000;

/** Resolves when stopped: aborted, or the token file (or its directory) removed. */
export async function runOidcRefresher(options: OidcRefresherOptions): Promise<void> {
  const { dir, signal } = options;
  // Never the fixed token: only the Actions endpoint gives new ones.
  const env = { ...options.env, CREDVEND_OIDC_TOKEN: undefined };
  const wanted = () => !signal.aborted && existsSync(tokenFileIn(dir));
  let expiresAt = wanted() ? jwtExpiryMs(readTokenFile(dir)) : undefined;
  let failures = 0;
  while (wanted()) {
    const delay = failures === 0 ? refreshDelay(expiresAt, Date.now()) : retryDelay(failures, expiresAt, Date.now());
    if (!(await pause(delay, wanted, signal))) return;
    let token: string;
    try {
      token = await fetchActionsOidcToken(options.audience, env);
    } catch (error) {
      failures++;
      if (expiresAt !== undefined && Date.now() - expiresAt > GIVE_UP_AFTER_EXPIRY_MS) {
        const minutes = Math.round((Date.now() - expiresAt) / 60_000);
        options.log(`OIDC token refresh failed: ${message(error)}; giving up: no token since the last one expired ${minutes} minutes ago`);
        return;
      }
      const left = expiresAt === undefined ? "" : `; the current token ${lifeLeft(expiresAt)}`;
      const retry = Math.round(retryDelay(failures, expiresAt, Date.now()) / 1000);
      options.log(`OIDC token refresh failed: ${message(error)}; retrying in ${retry}s${left}`);
      continue;
    }
    // Removed while the token was on its way: the job is over, write nothing.
    if (!wanted()) return;
    try {
      writeTokenFile(dir, token);
    } catch (error) {
      if (!existsSync(dir)) return;
      throw error;
    }
    expiresAt = jwtExpiryMs(token);
    failures = 0;
  }
}

/** Half the remaining life, within [1 s, 5 min]; a token without `exp` is renewed every minute. */
export function refreshDelay(expiresAt: number | undefined, now: number): number {
  if (expiresAt === undefined) return 60_000;
  return Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, (expiresAt - now) / 2));
}

/** Backoff (1 s, 2 s, … 30 s), but never past half the current token's remaining life. */
function retryDelay(failures: number, expiresAt: number | undefined, now: number): number {
  const backoff = Math.min(MAX_RETRY_MS, MIN_DELAY_MS * 2 ** (failures - 1));
  if (expiresAt === undefined || expiresAt <= now) return backoff;
  return Math.max(MIN_DELAY_MS, Math.min(backoff, (expiresAt - now) / 2));
}

/** Waits `ms`, looking every second whether it is still wanted; false when it is not. */
async function pause(ms: number, wanted: () => boolean, signal: AbortSignal): Promise<boolean> {
  const until = Date.now() + ms;
  for (let left = ms; left > 0; left = until - Date.now()) {
    await sleep(Math.min(CHECK_MS, left), undefined, { signal }).catch(() => undefined);
    if (!wanted()) return false;
  }
  return wanted();
}

function lifeLeft(expiresAt: number): string {
  const seconds = Math.round((expiresAt - Date.now()) / 1000);
  return seconds > 0 ? `expires in ${seconds}s` : `expired ${-seconds}s ago`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : "error";
}
