import { chmod, copyFile, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEFAULT_DEV_AUDIENCE,
  DEV_KEY_FILE,
  defaultDevClaims,
  loadOrCreateDevIssuer,
  type DevIssuer,
} from "../../cli/dev/dev-oidc-issuer.js";
import { OidcVerifier } from "../../functions/adapters/oidc/github-oidc-verifier.js";

// RSA key generation is the slow part: tests about creating the key file get a fresh `dir`,
// the others share one key in `keyed`.
let dir: string;
let keyed: string;

beforeAll(async () => {
  keyed = await mkdtemp(join(tmpdir(), "credvend-dev-oidc-keyed-"));
  await loadOrCreateDevIssuer({ dir: keyed, issuerUrl: "http://127.0.0.1:8787" });
});

afterAll(async () => {
  await rm(keyed, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "credvend-dev-oidc-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Serves the issuer's routes under `/dev-oidc` on a real loopback port, the way the local stack
// mounts them, and loads the issuer with the URL that port gives.
async function serveIssuer(keyDir: string): Promise<{ issuer: DevIssuer; close: () => Promise<void> }> {
  let app: Hono | undefined;
  const server = await new Promise<Server>((resolve) => {
    const started = serve(
      { fetch: (request) => (app ? app.fetch(request) : new Response(null, { status: 503 })), port: 0, hostname: "127.0.0.1" },
      () => resolve(started as Server),
    );
  });
  const { port } = server.address() as AddressInfo;
  const issuer = await loadOrCreateDevIssuer({ dir: keyDir, issuerUrl: `http://127.0.0.1:${port}/dev-oidc` });
  app = new Hono().route("/dev-oidc", issuer.routes());
  const close = (): Promise<void> => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return { issuer, close };
}

describe("loadOrCreateDevIssuer: key file", () => {
  it("creates the directory and a 0600 key file, and reuses the key on the next load", async () => {
    const keyDir = join(dir, "nested", ".credvend");
    const first = await loadOrCreateDevIssuer({ dir: keyDir, issuerUrl: "http://127.0.0.1:8787/dev-oidc" });
    const file = join(keyDir, DEV_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const second = await loadOrCreateDevIssuer({ dir: keyDir, issuerUrl: "http://127.0.0.1:8787/dev-oidc" });
    expect(second.kid).toBe(first.kid);
    expect(second.jwks()).toEqual(first.jwks());
  });

  it("agrees on one key when several processes start at once", async () => {
    const loads = await Promise.all(Array.from({ length: 3 }, () => loadOrCreateDevIssuer({ dir, issuerUrl: "http://127.0.0.1:8787" })));
    expect(new Set(loads.map((issuer) => issuer.kid)).size).toBe(1);
  });

  it("tightens a key file others can read", async () => {
    await copyFile(join(keyed, DEV_KEY_FILE), join(dir, DEV_KEY_FILE));
    await chmod(join(dir, DEV_KEY_FILE), 0o644);
    await loadOrCreateDevIssuer({ dir, issuerUrl: "http://127.0.0.1:8787" });
    expect((await stat(join(dir, DEV_KEY_FILE))).mode & 0o777).toBe(0o600);
  });

  it("refuses a key file that holds no RSA private key", async () => {
    await writeFile(join(dir, DEV_KEY_FILE), JSON.stringify({ kty: "EC", crv: "P-256" }), { mode: 0o600 });
    await expect(loadOrCreateDevIssuer({ dir, issuerUrl: "http://127.0.0.1:8787" })).rejects.toThrow(/RSA private key/);
  });

  it("publishes only the public key, marked for RS256 signatures", async () => {
    const issuer = await loadOrCreateDevIssuer({ dir: keyed, issuerUrl: "http://127.0.0.1:8787/" });
    expect(issuer.issuerUrl).toBe("http://127.0.0.1:8787");
    const [key, ...rest] = issuer.jwks().keys;
    expect(rest).toEqual([]);
    expect(key).toMatchObject({ kty: "RSA", kid: issuer.kid, alg: "RS256", use: "sig" });
    expect(Object.keys(key ?? {}).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
    const stored = JSON.parse(await readFile(join(keyed, DEV_KEY_FILE), "utf8")) as Record<string, unknown>;
    expect(stored["d"]).toEqual(expect.any(String));
  });
});

describe("DevIssuer: tokens", () => {
  it("mints a GitHub-shaped token that OidcVerifier accepts through the served routes", async () => {
    const { issuer, close } = await serveIssuer(keyed);
    try {
      const verifier = new OidcVerifier({ issuers: [issuer.issuerUrl], audience: DEFAULT_DEV_AUDIENCE });
      const token = await issuer.mint({
        repository: "acme/web",
        ref: "refs/heads/main",
        audience: DEFAULT_DEV_AUDIENCE,
        actor: "octocat",
        workflow: "Deploy",
      });
      const claims = await verifier.verify(token);
      expect(claims).toMatchObject({
        iss: issuer.issuerUrl,
        aud: DEFAULT_DEV_AUDIENCE,
        sub: "repo:acme/web:ref:refs/heads/main",
        repository: "acme/web",
        repository_owner: "acme",
        ref: "refs/heads/main",
        ref_type: "branch",
        workflow: "Deploy",
        job_workflow_ref: "acme/web/.github/workflows/deploy.yml@refs/heads/main",
        run_attempt: "1",
        actor: "octocat",
        event_name: "push",
      });
      for (const name of ["repository_id", "run_id", "sha", "jti", "iat", "nbf", "exp"]) {
        expect(claims[name], name).toMatch(/^[0-9a-f-]+$/);
      }
      expect(claims).not.toHaveProperty("environment");
      expect(decodeProtectedHeader(token)).toEqual({ alg: "RS256", kid: issuer.kid, typ: "JWT" });
    } finally {
      await close();
    }
  });

  it("keeps verifying after a restart, because the key is reused", async () => {
    const { issuer, close } = await serveIssuer(keyed);
    try {
      const verifier = new OidcVerifier({ issuers: [issuer.issuerUrl], audience: "aud" });
      await verifier.verify(await issuer.mint({ repository: "acme/web", ref: "refs/heads/main", audience: "aud" }));
      const restarted = await loadOrCreateDevIssuer({ dir: keyed, issuerUrl: issuer.issuerUrl });
      const token = await restarted.mint({ repository: "acme/api", ref: "refs/tags/v1", audience: "aud" });
      await expect(verifier.verify(token)).resolves.toMatchObject({ repository: "acme/api", ref_type: "tag" });
    } finally {
      await close();
    }
  });

  it("uses the environment subject form, the chosen ttl, and extra claims", async () => {
    const issuer = await loadOrCreateDevIssuer({ dir: keyed, issuerUrl: "http://127.0.0.1:8787" });
    const token = await issuer.mint({
      repository: "acme/web",
      ref: "refs/heads/main",
      audience: "credvend",
      environment: "production",
      ttlSeconds: 120,
      event_name: "workflow_dispatch",
    });
    const payload = decodeJwt(token);
    expect(payload).toMatchObject({
      sub: "repo:acme/web:environment:production",
      environment: "production",
      event_name: "workflow_dispatch",
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(120);
    expect(payload).not.toHaveProperty("ttlSeconds");
    expect(payload).not.toHaveProperty("audience");
  });

  it.each([
    ["a ttl of zero", { ttlSeconds: 0 }, "invalid_ttl"],
    ["a fractional ttl", { ttlSeconds: 1.5 }, "invalid_ttl"],
    ["a ttl over a day", { ttlSeconds: 86_401 }, "invalid_ttl"],
    ["a repository without owner", { repository: "web" }, "invalid_repository"],
    ["a short ref", { ref: "main" }, "invalid_ref"],
  ])("refuses %s", async (_name, overrides, code) => {
    const issuer = await loadOrCreateDevIssuer({ dir: keyed, issuerUrl: "http://127.0.0.1:8787" });
    const claims = { repository: "acme/web", ref: "refs/heads/main", audience: "credvend", ...overrides };
    await expect(issuer.mint(claims)).rejects.toMatchObject({ code });
  });
});

describe("DevIssuer: routes", () => {
  it("serves discovery pointing at its own key set", async () => {
    const issuer = await loadOrCreateDevIssuer({ dir: keyed, issuerUrl: "http://127.0.0.1:8787" });
    const discovery = await issuer.routes().request("/.well-known/openid-configuration");
    expect(await discovery.json()).toMatchObject({
      issuer: "http://127.0.0.1:8787",
      jwks_uri: "http://127.0.0.1:8787/.well-known/jwks",
      id_token_signing_alg_values_supported: ["RS256"],
    });
    const jwks = await issuer.routes().request("/.well-known/jwks");
    expect(await jwks.json()).toEqual(issuer.jwks());
  });
});

describe("defaultDevClaims", () => {
  it("derives owner and stable ids from the repository", () => {
    const a = defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" });
    const b = defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" });
    expect(a).toMatchObject({ repository_owner: "acme", actor: "acme", workflow: "dev" });
    expect(a["repository_id"]).toBe(b["repository_id"]);
    expect(a["repository_id"]).not.toBe(defaultDevClaims({ repository: "acme/api", ref: "refs/heads/main" })["repository_id"]);
  });
});
