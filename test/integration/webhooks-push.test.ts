// A `push` touching `.github/credvend/` on the default branch marks the repository's trust
// policies changed in the ledger table (dynalite, the same DynamoDB API server as `npm start`),
// where every vend function looks before trusting a cached copy. GitHub's own payloads
// (@octokit/webhooks-examples), the same signature check as every delivery.
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { afterAll, describe, expect, it } from "vitest";
import { ensureLedgerTable } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import { DynamoDbTrustPolicyInvalidations } from "../../functions/adapters/ledger/dynamodb-trust-policy-invalidations.js";
import { localDynamoClient, startDynalite } from "../support/dynalite.js";
import { createLeakFixture, type LeakFixture } from "../support/leak-fixture.js";

interface PushExample {
  ref: string;
  repository: { full_name: string; default_branch: string };
  commits: { added: string[]; modified: string[]; removed: string[] }[];
}
const require = createRequire(import.meta.url);
const all = require("@octokit/webhooks-examples/api.github.com/index.json") as { name: string; examples: PushExample[] }[];
const EXAMPLE = all.find((entry) => entry.name === "push")!.examples.find((e) => e.ref === "refs/heads/master" && e.commits.length === 1)!;

const dynamo = await startDynalite();
afterAll(async () => dynamo.close());
const client = localDynamoClient(dynamo.endpoint);
const tableName = `push-${randomUUID()}`;
await ensureLedgerTable(client, tableName);
const invalidations = new DynamoDbTrustPolicyInvalidations({ client, tableName });

function push(fixture: LeakFixture, payload: unknown, headers: Record<string, string> = {}) {
  const body = JSON.stringify(payload);
  return fixture.app.request("/webhooks/github/secret-scanning", {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": fixture.github.signWebhook(body),
      ...headers,
    },
  });
}

const touching = (
  paths: { added?: string[]; modified?: string[]; removed?: string[] },
  ref = "refs/heads/master",
  full = `acme/repo-${randomUUID().slice(0, 8)}`,
) => ({
  ...EXAMPLE,
  ref,
  repository: { ...EXAMPLE.repository, full_name: full, default_branch: "master" },
  commits: [{ ...EXAMPLE.commits[0], added: [], modified: [], removed: [], ...paths }],
});

describe("POST /webhooks/github/secret-scanning with X-GitHub-Event: push", () => {
  it.each([
    { name: "a trust policy added on the default branch", payload: touching({ added: [".github/credvend/release.yaml"] }), marked: true },
    { name: "a trust policy removed", payload: touching({ removed: [".github/credvend/release.yaml"] }), marked: true },
    {
      name: "a trust policy modified in the owner's .github",
      payload: touching({ modified: [".github/credvend/release.yaml"] }, "refs/heads/master", "acme/.github"),
      marked: true,
    },
    { name: "a force-push listing no commits (its files unknown)", payload: { ...touching({}), commits: [] }, marked: true },
    {
      name: "GitHub's own example (README.md on master)",
      payload: { ...EXAMPLE, repository: { ...EXAMPLE.repository, full_name: `acme/r-${randomUUID().slice(0, 8)}` } },
      marked: false,
    },
    {
      name: "a trust policy on another branch (a pull request's)",
      payload: touching({ added: [".github/credvend/release.yaml"] }, "refs/heads/feature"),
      marked: false,
    },
    { name: "a tag", payload: touching({ added: [".github/credvend/release.yaml"] }, "refs/tags/v1"), marked: false },
    {
      name: "a look-alike directory",
      payload: touching({ added: [".github/credvend-old/release.yaml", "docs/.github/credvend/x.yaml"] }),
      marked: false,
    },
  ])("$name: marked $marked", async ({ payload, marked }) => {
    const fixture = await createLeakFixture({ trustPolicyInvalidations: invalidations });
    const before = Date.now();
    const response = await push(fixture, payload);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { status: string };
    expect(answer.status).toBe(marked ? "processed" : "ignored");
    const changed = await invalidations.lastChanged("github", payload.repository.full_name.toUpperCase());
    if (marked) expect(changed!.getTime()).toBeGreaterThanOrEqual(before);
    else expect(changed).toBeUndefined();
  });

  it("a bad signature is a 401 and marks nothing", async () => {
    const fixture = await createLeakFixture({ trustPolicyInvalidations: invalidations });
    const payload = touching({ added: [".github/credvend/release.yaml"] });
    const response = await push(fixture, payload, { "x-hub-signature-256": `sha256=${"0".repeat(64)}` });
    expect(response.status).toBe(401);
    expect((await response.json()) as unknown).toMatchObject({ error: { code: "invalid_signature" } });
    expect(await invalidations.lastChanged("github", payload.repository.full_name)).toBeUndefined();
  });

  it("a payload without repository.default_branch is a 400 JSON error and marks nothing", async () => {
    const fixture = await createLeakFixture({ trustPolicyInvalidations: invalidations });
    const payload = touching({ added: [".github/credvend/release.yaml"] });
    const response = await push(fixture, { ...payload, repository: { full_name: payload.repository.full_name } });
    expect(response.status).toBe(400);
    expect((await response.json()) as unknown).toMatchObject({
      error: { code: "invalid_payload", message: expect.stringContaining("default_branch") },
    });
    expect(await invalidations.lastChanged("github", payload.repository.full_name)).toBeUndefined();
  });

  it("a delayed redelivery never moves the marker back", async () => {
    const repository = `acme/late-${randomUUID().slice(0, 8)}`;
    await invalidations.invalidate("github", repository, new Date(2_000_000));
    await invalidations.invalidate("github", repository, new Date(1_000_000));
    expect((await invalidations.lastChanged("github", repository))?.getTime()).toBe(2_000_000);
  });

  it("without self-serve trust configured, pushes are acknowledged and ignored", async () => {
    const fixture = await createLeakFixture();
    const response = await push(fixture, touching({ added: [".github/credvend/release.yaml"] }));
    expect(await response.json()).toEqual({ status: "ignored", reason: "self-serve trust is not configured" });
  });
});
