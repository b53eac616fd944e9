// The local stack's caller secret: a fresh random value at every start, given to each worker it
// runs and sent by the core on every worker call, so another local process that finds a worker's
// port gets 403 instead of credentials. Kept beside workers.json (mode 0600, like the dev keys) for
// `credvend plugin list`.
import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import type { WorkerRequestSigner } from "../../functions/adapters/plugins/signed-worker-requests.js";
import { CALLER_SECRET_HEADER } from "../../plugin-protocol/caller-secret.js";

export const CALLER_SECRET_FILE = "worker-caller-secret";

export function createCallerSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** Adds the secret to every worker call the core makes. */
export function callerSecretSigner(secret: string): WorkerRequestSigner {
  return ({ headers }) => {
    headers.set(CALLER_SECRET_HEADER, secret);
  };
}

export function writeCallerSecret(path: string, secret: string): void {
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // an older file keeps its mode on overwrite: make it exact
}

export function readCallerSecret(path: string): string {
  return readFileSync(path, "utf8").trim();
}
