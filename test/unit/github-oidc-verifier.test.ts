import { createHmac, KeyObject, sign } from "node:crypto";
import { inspect } from "node:util";
import { generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CredvendError } from "../../functions/core/errors.js";
import { OidcVerifier, type OidcVerifierOptions } from "../../functions/adapters/oidc/github-oidc-verifier.js";
import { rsaKey, startIdp, type FakeIdp, type SigningKey } from "../support/fake-oidc-provider.js";

// Every test talks to a real identity provider on 127.0.0.1 (test/support/fake-oidc-provider.ts)
// and only the clock is simulated, through the verifier's `clock` option.

const AUDIENCE = "credvend";
let idp: FakeIdp;
let keyA: SigningKey;
let keyB: SigningKey;
let impostor: SigningKey; // an RSA key nobody published, claiming key A's kid
let ecPrivate: CryptoKey;
let nowMs = Date.now();
const clock = { now: () => new Date(nowMs) };
const nowSeconds = (): number => Math.floor(nowMs / 1000);

function githubClaims(): Record<string, unknown> {
  return {
    iss: idp.issuer,
    aud: AUDIENCE,
    sub: "repo:acme/web:ref:refs/heads/main",
    repository: "acme/web",
    repository_owner: "acme",
    repository_id: "123456",
    ref: "refs/heads/main",
    sha: "0123456789abcdef0123456789abcdef01234567",
    workflow: "deploy",
    job_workflow_ref: "acme/web/.github/workflows/deploy.yml@refs/heads/main",
    run_id: "987654321",
    run_attempt: "1",
    actor: "octocat",
    event_name: "push",
    iat: nowSeconds(),
    nbf: nowSeconds(),
    exp: nowSeconds() + 300,
    jti: "0b1e9a2c-6b2f-4f5e-9d8e-1a2b3c4d5e6f",
  };
}

async function rsaToken(overrides: Record<string, unknown> = {}, options: { key?: SigningKey; kid?: string | null } = {}): Promise<string> {
  const key = options.key ?? keyA;
  const header = options.kid === null ? { alg: "RS256" } : { alg: "RS256", kid: options.kid ?? key.kid };
  const payload = Object.fromEntries(Object.entries({ ...githubClaims(), ...overrides }).filter(([, value]) => value !== undefined));
  return new SignJWT(payload).setProtectedHeader(header).sign(key.privateKey);
}

const b64url = (value: string | Buffer): string => Buffer.from(value).toString("base64url");

function handCrafted(header: Record<string, unknown>, sign: (input: string) => string): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(githubClaims()))}`;
  return `${input}.${sign(input)}`;
}

function newVerifier(overrides: Partial<OidcVerifierOptions> = {}): OidcVerifier {
  return new OidcVerifier({ issuers: [idp.issuer], audience: AUDIENCE, clock, jwksTimeoutMs: 500, ...overrides });
}

async function errorOf(promise: Promise<unknown>): Promise<CredvendError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CredvendError) return error;
    throw error;
  }
  throw new Error("expected verification to fail");
}

beforeAll(async () => {
  [keyA, keyB, impostor] = await Promise.all([rsaKey("key-a"), rsaKey("key-b"), rsaKey("key-a")]);
  ecPrivate = (await generateKeyPair("ES256")).privateKey;
  idp = await startIdp();
});

afterAll(async () => {
  await idp.close();
});

beforeEach(() => {
  nowMs = Date.now();
  idp.keys = [keyA.publicJwk];
  idp.jwksMode = "ok";
  idp.hits.discovery = idp.hits.jwks = idp.hits.total = 0;
  idp.holdDiscoveryUntilJwks = false;
  idp.jwksDuringDiscovery = 0;
});

// --- tests -------------------------------------------------------------------------------------

describe("OidcVerifier: valid tokens", () => {
  it("returns the claims of a GitHub-shaped token, every value as a string", async () => {
    const token = await rsaToken({ groups: ["a"], context: { x: 1 }, private: true, number: 42 });
    const claims = await newVerifier().verify(token);
    expect(claims).toMatchObject({
      iss: idp.issuer,
      aud: AUDIENCE,
      sub: "repo:acme/web:ref:refs/heads/main",
      repository: "acme/web",
      ref: "refs/heads/main",
      run_id: "987654321",
      actor: "octocat",
      private: "true",
      number: "42",
      exp: String(nowSeconds() + 300),
    });
    expect(claims).not.toHaveProperty("groups");
    expect(claims).not.toHaveProperty("context");
  });

  it("accepts GitHub's immutable-id subject form and passes its claims through", async () => {
    const sub = "repo:acme@1001/web@123456:ref:refs/heads/main";
    const claims = await newVerifier().verify(await rsaToken({ sub, repository_owner_id: "1001" }));
    expect(claims["sub"]).toBe(sub);
    expect(claims["repository_owner_id"]).toBe("1001");
  });

  it("joins an audience array", async () => {
    const claims = await newVerifier().verify(await rsaToken({ aud: ["sts.amazonaws.com", AUDIENCE] }));
    expect(claims["aud"]).toBe(`sts.amazonaws.com,${AUDIENCE}`);
  });

  it("allows clock skew within the tolerance", async () => {
    const token = await rsaToken({ exp: nowSeconds() - 30, iat: nowSeconds() + 30, nbf: nowSeconds() + 30 });
    await expect(newVerifier().verify(token)).resolves.toMatchObject({ repository: "acme/web" });
  });
});

describe("OidcVerifier: rejected tokens", () => {
  const cases: { name: string; token: () => Promise<string> | string; wantCode: string }[] = [
    { name: "empty token", token: () => "", wantCode: "invalid_token" },
    { name: "garbage", token: () => "not-a-jwt", wantCode: "invalid_token" },
    { name: "three garbage segments", token: () => "a.b.c", wantCode: "invalid_token" },
    { name: "over 16 KiB", token: () => rsaToken({ padding: "x".repeat(17 * 1024) }), wantCode: "invalid_token" },
    { name: "expired", token: () => rsaToken({ exp: nowSeconds() - 120 }), wantCode: "invalid_token" },
    { name: "no exp", token: () => rsaToken({ exp: undefined }), wantCode: "invalid_token" },
    { name: "not yet valid (nbf)", token: () => rsaToken({ nbf: nowSeconds() + 300 }), wantCode: "invalid_token" },
    { name: "iat in the future", token: () => rsaToken({ iat: nowSeconds() + 300 }), wantCode: "invalid_token" },
    { name: "wrong audience", token: () => rsaToken({ aud: "someone-else" }), wantCode: "invalid_token" },
    { name: "no audience", token: () => rsaToken({ aud: undefined }), wantCode: "invalid_token" },
    { name: "no issuer", token: () => rsaToken({ iss: undefined }), wantCode: "invalid_token" },
    { name: "signed by an unpublished key with a known kid", token: () => rsaToken({}, { key: impostor }), wantCode: "invalid_token" },
    { name: "tampered payload", token: () => tampered(), wantCode: "invalid_token" },
    { name: "missing kid", token: () => rsaToken({}, { kid: null }), wantCode: "invalid_token" },
    {
      name: "alg none",
      token: () => handCrafted({ alg: "none", kid: "key-a", typ: "JWT" }, () => ""),
      wantCode: "invalid_token",
    },
    {
      name: "HS256 keyed with the public key's PEM bytes",
      token: () =>
        handCrafted({ alg: "HS256", kid: "key-a" }, (input) => createHmac("sha256", keyA.publicPem).update(input).digest("base64url")),
      wantCode: "invalid_token",
    },
    {
      name: "ES256 from another key",
      token: () => new SignJWT(githubClaims()).setProtectedHeader({ alg: "ES256", kid: "key-a" }).sign(ecPrivate),
      wantCode: "invalid_token",
    },
    {
      name: "RS512 signed by the published key",
      token: () =>
        handCrafted({ alg: "RS512", kid: "key-a" }, (input) =>
          sign("sha512", Buffer.from(input), KeyObject.from(keyA.privateKey)).toString("base64url"),
        ),
      wantCode: "invalid_token",
    },
  ];

  async function tampered(): Promise<string> {
    const [header, , signature] = (await rsaToken()).split(".");
    const payload = b64url(JSON.stringify({ ...githubClaims(), repository: "acme/prod" }));
    return `${header}.${payload}.${signature}`;
  }

  it.each(cases)("$name → $wantCode, with one message and no trace of the token", async ({ token, wantCode }) => {
    const raw = await token();
    const error = await errorOf(newVerifier().verify(raw));
    expect(error.code).toBe(wantCode);
    expect(error.kind).toBe("unauthenticated");
    expect(error.message).toBe("invalid or expired token");
    expect(error.cause).toBeDefined();
    if (raw.length > 0) {
      const [, , signature] = raw.split(".");
      const everything = `${inspect(error, { depth: 10 })} ${JSON.stringify(error)}`;
      expect(everything).not.toContain(raw);
      if (signature && signature.length > 8) expect(everything).not.toContain(signature);
    }
  });

  it("refuses a token over 16 KiB without any network call", async () => {
    await errorOf(newVerifier().verify(await rsaToken({ padding: "x".repeat(17 * 1024) })));
    expect(idp.hits.total).toBe(0);
  });

  it("refuses an issuer off the allowlist before any network call", async () => {
    const other = await startIdp();
    try {
      const token = await rsaToken({ iss: other.issuer });
      const lookalike = await rsaToken({ iss: `${idp.issuer}/` });
      expect((await errorOf(newVerifier().verify(token))).code).toBe("invalid_token");
      expect((await errorOf(newVerifier().verify(lookalike))).code).toBe("invalid_token");
      expect(other.hits.total).toBe(0);
      expect(idp.hits.total).toBe(0);
    } finally {
      await other.close();
    }
  });

  it("refuses algorithm and kid problems before any network call", async () => {
    const verifier = newVerifier();
    await errorOf(verifier.verify(handCrafted({ alg: "none", kid: "key-a" }, () => "")));
    await errorOf(verifier.verify(await rsaToken({}, { kid: null })));
    expect(idp.hits.total).toBe(0);
  });
});

describe("OidcVerifier: key fetching", () => {
  it("fetches the key set once for many verifications, and again after the cache time", async () => {
    const verifier = newVerifier({ jwksCacheSeconds: 600 });
    const token = await rsaToken();
    await Promise.all(Array.from({ length: 10 }, () => verifier.verify(token)));
    for (let i = 0; i < 10; i += 1) await verifier.verify(token);
    expect(idp.hits).toEqual({ discovery: 1, jwks: 1, total: 2 });

    nowMs += 601_000;
    await verifier.verify(await rsaToken());
    expect(idp.hits.jwks).toBe(2);
  });

  it("asks for the key set at <issuer>/.well-known/jwks while discovery is still answering: one round trip when cold", async () => {
    // The provider holds discovery's answer until the key set is asked for: fetched one after the
    // other, the key set request would come only after the 1 s hold.
    idp.holdDiscoveryUntilJwks = true;
    await expect(newVerifier().verify(await rsaToken())).resolves.toMatchObject({ repository: "acme/web" });
    expect(idp.jwksDuringDiscovery).toBe(1);
    expect(idp.hits).toEqual({ discovery: 1, jwks: 1, total: 2 });
  });

  describe("when discovery names a key set elsewhere", () => {
    const ISSUER = "https://idp.example";
    const USUAL = `${ISSUER}/.well-known/jwks`;
    const NAMED = "https://keys.idp.example/jwks";
    function provider(usual: () => Response): { fetch: typeof fetch; fetched: string[] } {
      const fetched: string[] = [];
      const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
      return {
        fetched,
        fetch: async (input) => {
          const url = String(input instanceof Request ? input.url : input);
          fetched.push(url);
          if (url === `${ISSUER}/.well-known/openid-configuration`) return json({ issuer: ISSUER, jwks_uri: NAMED });
          if (url === NAMED) return json({ keys: [keyA.publicJwk] });
          return usual();
        },
      };
    }

    it("uses only the named set: a key published only at the usual URL verifies nothing", async () => {
      const { fetch, fetched } = provider(
        () => new Response(JSON.stringify({ keys: [keyB.publicJwk] }), { headers: { "content-type": "application/json" } }),
      );
      const verifier = new OidcVerifier({ issuers: [ISSUER], audience: AUDIENCE, clock, fetch });
      await expect(verifier.verify(await rsaToken({ iss: ISSUER }))).resolves.toMatchObject({ repository: "acme/web" });
      expect((await errorOf(verifier.verify(await rsaToken({ iss: ISSUER }, { key: keyB })))).code).toBe("invalid_token");
      expect(fetched.slice(0, 3).sort()).toEqual([`${ISSUER}/.well-known/openid-configuration`, USUAL, NAMED].sort());
    });

    it("verifies when nothing answers at the usual URL", async () => {
      const { fetch } = provider(() => new Response("not found", { status: 404 }));
      const verifier = new OidcVerifier({ issuers: [ISSUER], audience: AUDIENCE, clock, fetch });
      await expect(verifier.verify(await rsaToken({ iss: ISSUER }))).resolves.toMatchObject({ repository: "acme/web" });
    });
  });

  it("uses jwksUrlFor instead of discovery", async () => {
    const verifier = newVerifier({ jwksUrlFor: (issuer) => `${issuer}/.well-known/jwks` });
    await verifier.verify(await rsaToken());
    expect(idp.hits).toEqual({ discovery: 0, jwks: 1, total: 1 });
  });

  it("refetches once for an unknown kid, then answers 401", async () => {
    const verifier = newVerifier();
    await verifier.verify(await rsaToken());
    nowMs += 31_000;
    const unknown = await rsaToken({}, { key: keyB });
    expect((await errorOf(verifier.verify(unknown))).code).toBe("invalid_token");
    expect(idp.hits.jwks).toBe(2);
    expect((await errorOf(verifier.verify(unknown))).code).toBe("invalid_token");
    expect(idp.hits.jwks).toBe(2);
  });

  it("follows a key rotation after one refetch and drops the retired key", async () => {
    const verifier = newVerifier();
    await verifier.verify(await rsaToken());
    idp.keys = [keyB.publicJwk];
    nowMs += 31_000;
    await expect(verifier.verify(await rsaToken({}, { key: keyB }))).resolves.toMatchObject({ repository: "acme/web" });
    expect(idp.hits.jwks).toBe(2);
    expect((await errorOf(verifier.verify(await rsaToken()))).code).toBe("invalid_token");
  });

  it("bounds refetches caused by random kids to one per cooldown per issuer", async () => {
    const verifier = newVerifier();
    await verifier.verify(await rsaToken());
    const randomKids = await Promise.all(Array.from({ length: 25 }, (_, i) => rsaToken({}, { kid: `random-${i}` })));
    const burst = (): Promise<CredvendError[]> => Promise.all(randomKids.map((t) => errorOf(verifier.verify(t))));

    expect((await burst()).every((e) => e.code === "invalid_token")).toBe(true);
    expect(idp.hits.jwks).toBe(1);
    nowMs += 31_000;
    expect((await burst()).every((e) => e.code === "invalid_token")).toBe(true);
    expect(idp.hits.jwks).toBe(2);
    nowMs += 10_000;
    await burst();
    expect(idp.hits.jwks).toBe(2);
  });

  it("ignores published keys that are not RS256 signing keys", async () => {
    idp.keys = [
      { ...keyA.publicJwk, use: "enc" },
      { ...keyB.publicJwk, alg: "RS512" },
      { kty: "RSA", kid: "broken" },
    ];
    const verifier = newVerifier();
    expect((await errorOf(verifier.verify(await rsaToken()))).code).toBe("invalid_token");
    expect((await errorOf(verifier.verify(await rsaToken({}, { key: keyB })))).code).toBe("invalid_token");
  });
});

describe("OidcVerifier: identity provider failures", () => {
  async function unavailable(verifier: OidcVerifier): Promise<CredvendError> {
    const error = await errorOf(verifier.verify(await rsaToken()));
    expect(error).toMatchObject({ kind: "unavailable", code: "jwks_unavailable" });
    expect(error.message).toBe("identity provider keys unavailable");
    return error;
  }

  it("connection refused → jwks_unavailable", async () => {
    const gone = await startIdp();
    await gone.close();
    await unavailable(newVerifier({ jwksUrlFor: () => `${gone.issuer}/.well-known/jwks` }));
  });

  it("discovery endpoint down → jwks_unavailable", async () => {
    const gone = await startIdp();
    await gone.close();
    const verifier = new OidcVerifier({ issuers: [gone.issuer], audience: AUDIENCE, clock });
    const error = await errorOf(verifier.verify(await rsaToken({ iss: gone.issuer })));
    expect(error.code).toBe("jwks_unavailable");
  });

  it("slow key set → jwks_unavailable within the timeout", async () => {
    idp.jwksMode = "slow";
    const started = performance.now();
    await unavailable(newVerifier({ jwksTimeoutMs: 100 }));
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("declared oversize key set → jwks_unavailable", async () => {
    idp.jwksMode = "oversize-declared";
    await unavailable(newVerifier());
  });

  it("endless key set → jwks_unavailable as soon as the cap is passed", async () => {
    idp.jwksMode = "oversize-streamed";
    const started = performance.now();
    await unavailable(newVerifier({ jwksTimeoutMs: 5_000 }));
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it.each(["html", "error"] as const)("%s response → jwks_unavailable", async (mode) => {
    idp.jwksMode = mode;
    await unavailable(newVerifier());
  });

  it("discovery document naming another issuer → jwks_unavailable", async () => {
    const verifier = new OidcVerifier({ issuers: [`${idp.issuer}/tenant`], audience: AUDIENCE, clock });
    const error = await errorOf(verifier.verify(await rsaToken({ iss: `${idp.issuer}/tenant` })));
    expect(error.code).toBe("jwks_unavailable");
  });

  // A discovery document (fetched over https) may still point at keys over plain http, where
  // anyone on the path could substitute their own key set.
  describe("jwks_uri over http", () => {
    const ISSUER = "https://idp.example";
    function discoveryFetch(jwksUri: string, fetched: string[]): typeof fetch {
      return async (input) => {
        const url = String(input instanceof Request ? input.url : input);
        fetched.push(url);
        const body = url.endsWith("/.well-known/openid-configuration") ? { issuer: ISSUER, jwks_uri: jwksUri } : { keys: idp.keys };
        return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
      };
    }

    it("on a non-loopback host → jwks_unavailable, the keys never fetched", async () => {
      const fetched: string[] = [];
      const verifier = new OidcVerifier({
        issuers: [ISSUER],
        audience: AUDIENCE,
        clock,
        fetch: discoveryFetch("http://keys.idp.example/jwks", fetched),
      });
      const error = await errorOf(verifier.verify(await rsaToken({ iss: ISSUER })));
      expect(error).toMatchObject({ kind: "unavailable", code: "jwks_unavailable", message: "identity provider keys unavailable" });
      expect(String((error.cause as Error).message)).toContain("jwks_uri http://keys.idp.example/jwks must use https");
      // The usual key set (on the issuer's own https origin) was asked for beside discovery; the http one never.
      expect(fetched.sort()).toEqual([`${ISSUER}/.well-known/jwks`, `${ISSUER}/.well-known/openid-configuration`]);
    });

    it("from jwksUrlFor on a non-loopback host → jwks_unavailable, nothing fetched", async () => {
      const fetched: string[] = [];
      const verifier = new OidcVerifier({
        issuers: [ISSUER],
        audience: AUDIENCE,
        clock,
        fetch: discoveryFetch("", fetched),
        jwksUrlFor: () => "http://keys.idp.example/jwks",
      });
      expect((await errorOf(verifier.verify(await rsaToken({ iss: ISSUER })))).code).toBe("jwks_unavailable");
      expect(fetched).toEqual([]);
    });

    it.each(["https://keys.idp.example/jwks", "http://127.0.0.1:1/jwks", "http://localhost:1/jwks", "http://[::1]:1/jwks"])(
      "%s is used",
      async (jwksUri) => {
        const fetched: string[] = [];
        const verifier = new OidcVerifier({ issuers: [ISSUER], audience: AUDIENCE, clock, fetch: discoveryFetch(jwksUri, fetched) });
        await expect(verifier.verify(await rsaToken({ iss: ISSUER }))).resolves.toMatchObject({ repository: "acme/web" });
        expect(fetched).toEqual([`${ISSUER}/.well-known/jwks`, `${ISSUER}/.well-known/openid-configuration`, jwksUri]);
      },
    );
  });

  it("recovers once the provider is back", async () => {
    idp.jwksMode = "error";
    const verifier = newVerifier();
    await unavailable(verifier);
    idp.jwksMode = "ok";
    await expect(verifier.verify(await rsaToken())).resolves.toMatchObject({ repository: "acme/web" });
  });
});

describe("OidcVerifier: options", () => {
  it.each<[string, Partial<OidcVerifierOptions>]>([
    ["no issuers", { issuers: [] }],
    ["issuer not a URL", { issuers: ["token.actions.githubusercontent.com"] }],
    ["http issuer on a non-loopback host", { issuers: ["http://token.actions.githubusercontent.com"] }],
    ["empty audience", { audience: "" }],
    ["negative tolerance", { clockToleranceSeconds: -1 }],
    ["zero JWKS cap", { maxJwksBytes: 0 }],
  ])("rejects %s", (_name, overrides) => {
    expect(() => newVerifier(overrides)).toThrow(TypeError);
  });
});
