// The job's OIDC token in a file, for AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: the AWS SDKs and CLI
// read that file again on every credential refresh, so a job outlives its first token when the
// file is kept fresh. The file sits alone in a private directory (0700) and is 0600; each token
// is written beside it and renamed over it, so a reader never sees half a token.
import { chmodSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const TOKEN_FILE = "token";
/** Where the background refresher's stdout and stderr go (failures only; never a token). */
export const REFRESH_LOG_FILE = "refresh.log";

/** A new private directory under `root` (RUNNER_TEMP in a job) for one token file. */
export function createTokenDir(root: string): string {
  const dir = mkdtempSync(join(root, "credvend-oidc-"));
  chmodSync(dir, 0o700);
  return dir;
}

export function tokenFileIn(dir: string): string {
  return join(dir, TOKEN_FILE);
}

/** Replaces the token, exactly as given: the SDKs send the file's bytes and refuse a line break. */
export function writeTokenFile(dir: string, token: string): void {
  const next = join(dir, `.${TOKEN_FILE}.${process.pid}.next`);
  writeFileSync(next, token, { mode: 0o600 });
  renameSync(next, tokenFileIn(dir));
}

export function readTokenFile(dir: string): string {
  return readFileSync(tokenFileIn(dir), "utf8");
}

/**
 * When the JWT expires (ms since the epoch), from its `exp` claim; undefined when it has none.
 * Read only to schedule a refresh: the token is verified by credvend, not here.
 */
export function jwtExpiryMs(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const { exp } = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown };
    return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
