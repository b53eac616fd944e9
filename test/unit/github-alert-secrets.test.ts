// Reading an alert's secret with Octokit, as a GitHub App installation or with a token, against
// a local stand-in of GitHub's REST API (the App JWT is checked with the App's public key).
import { generateKeyPairSync } from "node:crypto";
import { Hono } from "hono";
import { importSPKI, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { CredvendError } from "../../functions/core/errors.js";
import { OctokitAlertSecrets } from "../../functions/adapters/github/github-alert-secrets.js";

const { privateKey, publicKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

function fakeGitHub() {
  const seen: string[] = [];
  const app = new Hono();
  app.post("/app/installations/:id/access_tokens", async (c) => {
    const jwt = (c.req.header("authorization") ?? "").replace(/^bearer /i, "");
    const { payload } = await jwtVerify(jwt, await importSPKI(publicKey, "RS256")).catch(() => ({ payload: undefined }));
    if (payload?.iss !== "42") return c.json({ message: "Bad credentials" }, 401);
    return c.json({ token: `ghs_installation_${c.req.param("id")}`, expires_at: new Date(Date.now() + 3600_000).toISOString() }, 201);
  });
  app.get("/repos/:owner/:repo/secret-scanning/alerts/:number", (c) => {
    seen.push(`${c.req.header("authorization")} ${c.req.path}`);
    const auth = c.req.header("authorization");
    if (auth !== "token ghs_installation_99" && auth !== "token ghp_plain") return c.json({ message: "Requires authentication" }, 401);
    return c.json({ number: Number(c.req.param("number")), secret: "the-leaked-secret" });
  });
  return { seen, fetch: async (input: RequestInfo | URL, init?: RequestInit) => app.fetch(new Request(input, init)) };
}

describe("OctokitAlertSecrets", () => {
  it("reads the alert as the event's App installation", async () => {
    const github = fakeGitHub();
    const secrets = new OctokitAlertSecrets({
      apiUrl: "http://github.test",
      fetch: github.fetch,
      auth: { kind: "app", appId: "42", privateKey },
    });
    expect(await secrets.secretOf({ owner: "acme", repo: "web", number: 7, installationId: 99 })).toBe("the-leaked-secret");
    expect(github.seen).toEqual(["token ghs_installation_99 /repos/acme/web/secret-scanning/alerts/7"]);
  });

  it("reads the alert with a token", async () => {
    const github = fakeGitHub();
    const secrets = new OctokitAlertSecrets({
      apiUrl: "http://github.test",
      fetch: github.fetch,
      auth: { kind: "token", token: "ghp_plain" },
    });
    expect(await secrets.secretOf({ owner: "acme", repo: "web", number: 8 })).toBe("the-leaked-secret");
  });

  it("as an App, an event without an installation is a 502 that names the problem", async () => {
    const secrets = new OctokitAlertSecrets({
      apiUrl: "http://github.test",
      fetch: fakeGitHub().fetch,
      auth: { kind: "app", appId: "42", privateKey },
    });
    const error = await secrets.secretOf({ owner: "acme", repo: "web", number: 7 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredvendError);
    expect(error).toMatchObject({
      kind: "upstream_failed",
      code: "github_alert_unavailable",
      message: expect.stringContaining("installation"),
    });
  });

  it("refused credentials are a 502 without the token in the message", async () => {
    const secrets = new OctokitAlertSecrets({
      apiUrl: "http://github.test",
      fetch: fakeGitHub().fetch,
      auth: { kind: "token", token: "ghp_wrong" },
    });
    const error = (await secrets.secretOf({ owner: "acme", repo: "web", number: 7 }).catch((e: unknown) => e)) as CredvendError;
    expect(error).toMatchObject({ code: "github_alert_unavailable", message: "the alert could not be read from GitHub (HTTP 401)" });
    expect(error.message).not.toContain("ghp_wrong");
  });
});
