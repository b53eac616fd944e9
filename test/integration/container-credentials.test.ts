// The AWS SDK's own credential providers against the vend app over loopback: fromHttp and
// fromContainerMetadata read AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN
// exactly as in a CI job. Behind the app: the real aws-sts worker (gRPC-web) and the real STS
// client talking the query protocol to a local STS stand-in.
import { fromContainerMetadata, fromHttp } from "@aws-sdk/credential-providers";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { tokenHash } from "../../plugin-protocol/token-hash.js";
import type { FakeSts } from "../support/fake-sts.js";
import { expectStagesWithinTotal, parseServerTiming } from "../support/server-timing.js";
import { AWS_ROLE as ROLE, startAwsVendServer, type AwsVendServer } from "../support/aws-vend-server.js";
import { ALL_TIME, type VendFixture } from "../support/vend-fixture.js";

const SCOPE = "aws:s3-read:acme-web-assets";

let stack: AwsVendServer;
let sts: FakeSts;
let fixture: VendFixture;
let server: { url: string };
const saved = { ...process.env };

beforeAll(async () => {
  stack = await startAwsVendServer();
  ({ sts, fixture } = stack);
  server = { url: stack.url };
});
afterAll(async () => stack?.close());
afterEach(() => {
  process.env = { ...saved };
});

function pointSdkAt(query: string, token: string): void {
  process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `${server.url}/v1/aws/container-credentials?${query}`;
  process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = token;
}

describe("GET /v1/aws/container-credentials with the AWS SDK's providers", () => {
  it("fromHttp gets STS credentials narrowed to the scope, recorded by hash and audited", async () => {
    pointSdkAt(`scope=${encodeURIComponent(SCOPE)}&ttlSeconds=900`, await fixture.token());
    const credentials = await fromHttp({})();
    const issued = sts.issued.at(-1)!;
    expect(credentials).toMatchObject({
      accessKeyId: issued.accessKeyId,
      secretAccessKey: issued.secretAccessKey,
      sessionToken: issued.sessionToken,
    });
    expect(credentials.expiration?.toISOString()).toBe(issued.expiration);

    const sent = sts.requests.at(-1)!;
    expect(sent).toMatchObject({
      Action: "AssumeRole",
      RoleArn: ROLE,
      DurationSeconds: "900",
      "Tags.member.1.Key": "credvend:repository",
      "Tags.member.1.Value": "acme/web",
    });
    expect(JSON.parse(sent.Policy!).Statement[0].Resource).toEqual(["arn:aws:s3:::acme-web-assets/*"]);

    for (const part of [issued.accessKeyId, issued.secretAccessKey, issued.sessionToken]) {
      const record = await fixture.ledger.findByTokenHash(tokenHash(part));
      expect(record).toMatchObject({ provider: "aws", scopes: [SCOPE], worker: "aws-sts" });
      expect(sent.RoleSessionName).toBe(record?.credentialId);
    }
    expect(fixture.logs.join("\n")).not.toContain(issued.secretAccessKey);
    expect(fixture.logs.join("\n")).not.toContain(issued.sessionToken);
  });

  it("fromContainerMetadata works too, with several scopes and the token sent without Bearer", async () => {
    const scopes = [SCOPE, "aws:s3-write:acme-web-assets/builds/*"];
    pointSdkAt(scopes.map((s) => `scope=${encodeURIComponent(s)}`).join("&"), await fixture.token());
    const credentials = await fromContainerMetadata({ maxRetries: 0, timeout: 5000 })();
    expect(credentials.accessKeyId).toBe(sts.issued.at(-1)!.accessKeyId);
    const record = await fixture.ledger.findByTokenHash(tokenHash(credentials.sessionToken!));
    expect(record?.scopes).toEqual(scopes);
  });

  it("answers the exact key names the SDKs read, with no-store", async () => {
    const response = await fetch(`${server.url}/v1/aws/container-credentials?scope=${encodeURIComponent(SCOPE)}`, {
      headers: { authorization: await fixture.token() },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(["AccessKeyId", "Expiration", "SecretAccessKey", "Token"]);
    expect(body.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  it("carries Server-Timing with every stage of the vend, and nothing of the credential", async () => {
    const response = await fetch(`${server.url}/v1/aws/container-credentials?scope=${encodeURIComponent(SCOPE)}`, {
      headers: { authorization: await fixture.token() },
    });
    expect(response.status).toBe(200);
    const header = response.headers.get("server-timing");
    const entries = parseServerTiming(header);
    expect([...entries.keys()]).toEqual(["oidc", "plugins", "policy", "worker-prepare", "worker-vend", "ledger", "total"]);
    expectStagesWithinTotal(entries);
    const body = (await response.json()) as Record<string, string>;
    for (const value of [body.AccessKeyId!, body.SecretAccessKey!, body.Token!]) expect(header).not.toContain(value);
  });
});

describe("GET /v1/aws/container-credentials refusals: clear JSON errors, nothing vended", () => {
  async function get(query: string, authorization?: string) {
    const before = sts.requests.length;
    const response = await fetch(`${server.url}/v1/aws/container-credentials${query}`, { headers: authorization ? { authorization } : {} });
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(sts.requests.length).toBe(before);
    return { status: response.status, error: body.error };
  }

  it("no scope → 400", async () => {
    expect(await get("", await fixture.token())).toMatchObject({ status: 400, error: { code: "invalid_request" } });
  });

  it("a scope of another provider → 400", async () => {
    const answer = await get("?scope=local:read:billing", await fixture.token());
    expect(answer).toMatchObject({ status: 400, error: { code: "invalid_scope" } });
    expect(answer.error.message).toMatch(/aws: scope/);
  });

  it("a bad ttlSeconds → 400", async () => {
    expect(await get(`?scope=${SCOPE}&ttlSeconds=ten`, await fixture.token())).toMatchObject({
      status: 400,
      error: { code: "invalid_request" },
    });
  });

  it("no token → 401", async () => {
    expect(await get(`?scope=${SCOPE}`)).toMatchObject({ status: 401, error: { code: "missing_token" } });
  });

  it("a scope the policy does not allow → 403 naming it, audited as a denial", async () => {
    const answer = await get(`?scope=${encodeURIComponent("aws:s3-write:acme-web-assets/*")}`, await fixture.token());
    expect(answer).toMatchObject({ status: 403, error: { code: "scope_denied" } });
    expect(answer.error.message).toContain("aws:s3-write:acme-web-assets/*");
    const denials = (await fixture.ledger.auditByTime(ALL_TIME)).filter((e) => e.type === "deny");
    expect(denials.at(-1)?.scopes).toEqual(["aws:s3-write:acme-web-assets/*"]);
  });

  it("STS throttling (past the SDK's own retry) → 503 worker_unavailable, nothing recorded as vended", async () => {
    sts.failures.push({ status: 400, code: "Throttling" }, { status: 400, code: "Throttling" });
    const vendsBefore = (await fixture.ledger.auditByTime(ALL_TIME)).filter((e) => e.type === "vend").length;
    const response = await fetch(`${server.url}/v1/aws/container-credentials?scope=${SCOPE}`, {
      headers: { authorization: await fixture.token() },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("worker_unavailable");
    expect((await fixture.ledger.auditByTime(ALL_TIME)).filter((e) => e.type === "vend")).toHaveLength(vendsBefore);
  });

  it("STS AccessDenied → 502, nothing recorded as vended", async () => {
    sts.failures.push({ status: 403, code: "AccessDenied" });
    const response = await fetch(`${server.url}/v1/aws/container-credentials?scope=${SCOPE}`, {
      headers: { authorization: await fixture.token() },
    });
    expect(response.status).toBe(502);
    const failures = (await fixture.ledger.auditByTime(ALL_TIME)).filter((e) => e.type === "failure");
    expect(failures.at(-1)?.reason).toBe("worker_upstream_failed");
  });
});
