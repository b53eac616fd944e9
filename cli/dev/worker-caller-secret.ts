// The local stack's caller secrets: a fresh random value per worker at every start, given to that
// worker only and sent by the core on every call to it, so another local process that finds a
// worker's port gets 403 instead of credentials — and a worker that learns its own secret cannot
// call any other worker with it. Kept beside workers.json (mode 0600, like the dev keys; never
// readable by an installed worker) for `credvend plugin list`.
import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import type { WorkerRequestSigner } from "../../functions/adapters/plugins/signed-worker-requests.js";
import { CALLER_SECRET_HEADER } from "../../plugin-protocol/caller-secret.js";

export const CALLER_SECRET_FILE = "worker-caller-secrets.json";

export function createCallerSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** Adds the secret to every call (one worker's client). */
export function callerSecretSigner(secret: string): WorkerRequestSigner {
  return ({ headers }) => {
    headers.set(CALLER_SECRET_HEADER, secret);
  };
}

/** Adds to each call the secret of the worker it goes to (by its URL's origin); none to any other URL. */
export function callerSecretsSigner(secrets: ReadonlyMap<string, string>): WorkerRequestSigner {
  const byOrigin = new Map([...secrets].map(([url, secret]) => [new URL(url).origin, secret]));
  return ({ url, headers }) => {
    const secret = byOrigin.get(url.origin);
    if (secret !== undefined) headers.set(CALLER_SECRET_HEADER, secret);
  };
}

/** {"<worker URL>": "<its secret>", …} */
export function writeCallerSecrets(path: string, secrets: ReadonlyMap<string, string>): void {
  writeFileSync(path, `${JSON.stringify(Object.fromEntries(secrets), null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // an older file keeps its mode on overwrite: make it exact
}

export function readCallerSecrets(path: string): Map<string, string> {
  const value = JSON.parse(readFileSync(path, "utf8")) as unknown;
  if (typeof value !== "object" || value === null || Object.values(value).some((s) => typeof s !== "string"))
    throw Object.assign(new Error(`${path}: not a caller secrets file`), { code: "EINVAL" });
  return new Map(Object.entries(value as Record<string, string>));
}

/**
 * The secret to call `url` with, from a file: the local stack's secrets file (the entry for that
 * worker's origin) or a file holding one secret. Never echoes the file's content in an error.
 */
export function readCallerSecretFor(path: string, url: string | undefined): string {
  const text = readFileSync(path, "utf8").trim();
  if (!text.startsWith("{")) return text;
  const secrets = readCallerSecrets(path);
  const origin = url === undefined ? undefined : new URL(url).origin;
  const secret = [...secrets].find(([workerUrl]) => new URL(workerUrl).origin === origin)?.[1];
  if (secret === undefined)
    throw Object.assign(
      new Error(
        `${path}: no caller secret for ${origin ?? "a worker without --url"} (the stack's workers are at ${[...secrets.keys()].join(", ")})`,
      ),
      {
        code: "ENOENT",
      },
    );
  return secret;
}
