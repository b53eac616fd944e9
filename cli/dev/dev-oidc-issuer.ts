import { createHash, randomBytes, randomUUID } from "node:crypto";
import { chmod, link, mkdir, readFile, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Hono } from "hono";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK } from "jose";
import { CredvendError } from "../../functions/core/errors.js";

// A stand-in for GitHub's OIDC issuer so the local stack runs with no GitHub: one RS256 key pair
// kept on disk (so tokens and caches survive a restart), a discovery document and key set served
// by `routes()`, and tokens shaped like the ones a GitHub Actions job receives.

export const DEV_KEY_FILE = "dev-oidc-key.json";
export const DEFAULT_DEV_AUDIENCE = "credvend";
export const DEFAULT_DEV_TTL_SECONDS = 600;
const MAX_DEV_TTL_SECONDS = 24 * 60 * 60;

/** Claims a caller chooses; anything left out gets a GitHub-like default from `defaultDevClaims`. */
export interface DevTokenClaims {
  readonly repository: string;
  readonly ref: string;
  readonly audience: string;
  readonly ttlSeconds?: number;
  readonly actor?: string;
  readonly workflow?: string;
  readonly environment?: string;
  readonly event_name?: string;
  readonly sha?: string;
  readonly [claim: string]: string | number | boolean | undefined;
}

export interface DevIssuer {
  readonly issuerUrl: string;
  readonly kid: string;
  /** The public key set: what GitHub serves at /.well-known/jwks. */
  jwks(): JSONWebKeySet;
  mint(claims: DevTokenClaims): Promise<string>;
  /** Discovery and JWKS routes, relative to the issuer URL's path: mount them there. */
  routes(): Hono;
}

export async function loadOrCreateDevIssuer(options: { dir: string; issuerUrl: string }): Promise<DevIssuer> {
  const issuerUrl = options.issuerUrl.replace(/\/+$/, "");
  if (!URL.canParse(issuerUrl)) throw new TypeError(`dev issuer URL is not a URL: ${options.issuerUrl}`);
  const privateJwk = await loadOrCreateKey(options.dir);
  const { kty, n, e } = privateJwk;
  if (kty !== "RSA" || !n || !e || !privateJwk.d) {
    throw new Error(`${join(options.dir, DEV_KEY_FILE)} does not hold an RSA private key`);
  }
  const publicJwk: JWK = { kty, n, e };
  const kid = await calculateJwkThumbprint(publicJwk);
  const signingKey = (await importJWK({ ...privateJwk, kty: "RSA" as const }, "RS256")) as CryptoKey;
  const keySet: JSONWebKeySet = { keys: [{ ...publicJwk, kid, alg: "RS256", use: "sig" }] };

  return {
    issuerUrl,
    kid,
    jwks: () => structuredClone(keySet),
    mint: (claims) => mintToken(claims, { issuerUrl, kid, signingKey }),
    routes: () => devIssuerRoutes(issuerUrl, keySet),
  };
}

/** GitHub-shaped claims for a job of `repository` at `ref`, with the caller's values on top. */
export function defaultDevClaims(input: {
  repository: string;
  ref: string;
  actor?: string;
  workflow?: string;
  environment?: string;
}): Record<string, string> {
  const { repository, ref } = input;
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
    throw new CredvendError("invalid_request", "invalid_repository", "repository must look like OWNER/REPO");
  }
  if (!ref.startsWith("refs/")) {
    throw new CredvendError("invalid_request", "invalid_ref", "ref must be a full ref such as refs/heads/main");
  }
  const owner = repository.slice(0, repository.indexOf("/"));
  const workflow = input.workflow ?? "dev";
  const workflowFile = `${repository}/.github/workflows/${workflow.toLowerCase().replace(/[^a-z0-9_.-]+/g, "-")}.yml`;
  const claims: Record<string, string> = {
    // GitHub's default subject: the environment form when the job has one, else the ref form.
    sub: input.environment ? `repo:${repository}:environment:${input.environment}` : `repo:${repository}:ref:${ref}`,
    repository,
    repository_owner: owner,
    repository_id: stableId(repository),
    repository_owner_id: stableId(owner),
    repository_visibility: "private",
    ref,
    ref_type: ref.startsWith("refs/tags/") ? "tag" : "branch",
    sha: randomBytes(20).toString("hex"),
    workflow,
    workflow_ref: `${workflowFile}@${ref}`,
    job_workflow_ref: `${workflowFile}@${ref}`,
    run_id: String(randomBytes(4).readUInt32BE()),
    run_number: "1",
    run_attempt: "1",
    actor: input.actor ?? owner,
    actor_id: stableId(input.actor ?? owner),
    event_name: "push",
    runner_environment: "self-hosted",
  };
  if (input.environment) claims["environment"] = input.environment;
  return claims;
}

async function mintToken(claims: DevTokenClaims, signer: { issuerUrl: string; kid: string; signingKey: CryptoKey }): Promise<string> {
  const { audience, ttlSeconds = DEFAULT_DEV_TTL_SECONDS, ...chosen } = claims;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_DEV_TTL_SECONDS) {
    throw new CredvendError("invalid_request", "invalid_ttl", `ttl must be 1..${MAX_DEV_TTL_SECONDS} seconds`);
  }
  const payload: Record<string, string | number | boolean> = defaultDevClaims(claims);
  for (const [name, value] of Object.entries(chosen)) {
    if (value !== undefined) payload[name] = value;
  }
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "RS256", kid: signer.kid, typ: "JWT" })
    .setIssuer(signer.issuerUrl)
    .setAudience(audience)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(signer.signingKey);
}

function devIssuerRoutes(issuerUrl: string, keySet: JSONWebKeySet): Hono {
  const app = new Hono();
  app.get("/.well-known/openid-configuration", (c) =>
    c.json({
      issuer: issuerUrl,
      jwks_uri: `${issuerUrl}/.well-known/jwks`,
      subject_types_supported: ["public", "pairwise"],
      response_types_supported: ["id_token"],
      claims_supported: ["sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "repository", "actor"],
      id_token_signing_alg_values_supported: ["RS256"],
      scopes_supported: ["openid"],
    }),
  );
  app.get("/.well-known/jwks", (c) => {
    c.header("cache-control", "max-age=300");
    return c.json(keySet);
  });
  return app;
}

// The key file is written whole under a temporary name and then hard-linked into place: link
// never overwrites, so two processes starting at once agree on one key, and a crash mid-write
// leaves no half-written key behind.
async function loadOrCreateKey(dir: string): Promise<JWK> {
  const path = join(dir, DEV_KEY_FILE);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const existing = await readKey(path);
  if (existing) return existing;
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = await exportJWK(privateKey);
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  try {
    await link(temporary, path);
    return jwk;
  } catch (error) {
    if (!isErrno(error, "EEXIST")) throw error;
    const winner = await readKey(path);
    if (!winner) throw error;
    return winner;
  } finally {
    await unlink(temporary);
  }
}

async function readKey(path: string): Promise<JWK | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
  // A private key readable by others is tightened rather than trusted as is.
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  return JSON.parse(text) as JWK;
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && "code" in error && error.code === code;
}

// Same name, same id across mints and restarts, in the numeric form GitHub uses. The sample
// credvend.policy.yaml anchors on these ids (acme/web is 264037838).
export function stableId(name: string): string {
  return String(createHash("sha256").update(name).digest().readUInt32BE() % 1_000_000_000);
}
