// The local stack's caller secret: a fresh random value at every start, given to each worker it
// runs and sent by the core on every worker call, so another local process that finds a worker's
// port gets 403 instead of credentials. Kept beside workers.json (mode 0600, like the dev keys) for
// `credvend plugin list`.
import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { CALLER_SECRET_HEADER } from "../../plugin-protocol/caller-secret.js";

export const CALLER_SECRET_FILE = "worker-caller-secret";

export function createCallerSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** A fetch that adds the secret to every request (the core's worker calls). */
export function withCallerSecret(secret: string, base: typeof fetch = (input, init) => globalThis.fetch(input, init)): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set(CALLER_SECRET_HEADER, secret);
    return base(input, { ...init, headers });
  };
}

export function writeCallerSecret(path: string, secret: string): void {
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // an older file keeps its mode on overwrite: make it exact
}

export function readCallerSecret(path: string): string {
  return readFileSync(path, "utf8").trim();
}
