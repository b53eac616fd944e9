// DELETE /v1/credentials/{id}: a job revokes what it vended. Real parts in one process: the dev
// issuer's tokens, the OIDC verifier, the local-tokens worker behind the gRPC-web client, the
// in-memory ledger (the contract suite holds it to DynamoDB's behaviour).
import { describe, expect, it } from "vitest";
import { systemClock } from "../../plugin-workers/sdk/clock.js";
import { introspect } from "../../plugin-workers/local-tokens/introspect.js";
import { createVendFixture, type VendFixture } from "../support/vend-fixture.js";

const RUN = { run_id: "4242", run_attempt: "1" };

async function vended(fixture: VendFixture, claims: Record<string, string> = RUN) {
  const response = await fixture.vend({ scopes: ["local:read:billing"], ttlSeconds: 600 }, await fixture.token({ claims }));
  expect(response.status).toBe(200);
  return (await response.json()) as { credentialId: string; credential: { token: string } };
}

async function revoke(fixture: VendFixture, credentialId: string, claims: Record<string, string> = RUN, token?: string) {
  const response = await fixture.app.request(`/v1/credentials/${encodeURIComponent(credentialId)}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${token ?? (await fixture.token({ claims }))}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: { code: string } } };
}

describe("DELETE /v1/credentials/{credentialId}", () => {
  it("the same workflow run (another attempt too) revokes its credential through the worker, audited revoked_by_owner", async () => {
    const fixture = await createVendFixture();
    const { credentialId, credential } = await vended(fixture);
    expect((await introspect(fixture.store, systemClock, credential.token)).active).toBe(true);

    const first = await revoke(fixture, credentialId, { ...RUN, run_attempt: "2" });
    expect(first).toEqual({
      status: 200,
      body: { credentialId, state: "revoked", revokedBy: "revoked_by_owner", revokedAt: expect.any(String) },
    });
    expect((await introspect(fixture.store, systemClock, credential.token)).active).toBe(false);
    const events = await fixture.ledger.auditByCredential(credentialId);
    expect(events.map((e) => `${e.type}:${e.reason ?? ""}`)).toEqual(["vend:", "revoke:revoked_by_owner"]);
    expect(events[1]?.details?.upstream).toBe("revoked");
    expect(JSON.stringify(events)).not.toContain(credential.token);
  });

  it("is idempotent: a repeat answers the same outcome and makes no second upstream call", async () => {
    const fixture = await createVendFixture();
    const { credentialId } = await vended(fixture);
    const first = await revoke(fixture, credentialId);
    const second = await revoke(fixture, credentialId);
    expect(second).toEqual(first);
    // One revoke event: the second answer came from the ledger, not the worker.
    const events = await fixture.ledger.auditByCredential(credentialId);
    expect(events.filter((e) => e.type === "revoke")).toHaveLength(1);
  });

  it("another run, repository or issuer gets the same 404 as an id that does not exist (no existence oracle)", async () => {
    const fixture = await createVendFixture();
    const { credentialId, credential } = await vended(fixture);
    const unknown = await revoke(fixture, "586e48ff-aa2f-4a44-b12f-70a0c5bf3218");
    const otherRun = await revoke(fixture, credentialId, { ...RUN, run_id: "4243" });
    const otherRepository = await revoke(fixture, credentialId, { ...RUN, repository_id: "1" });
    for (const answer of [otherRun, otherRepository]) expect(answer).toEqual(unknown);
    expect(unknown).toEqual({
      status: 404,
      body: { error: { code: "credential_not_found", message: "no credential with this id was vended to this workflow run" } },
    });
    expect((await introspect(fixture.store, systemClock, credential.token)).active).toBe(true);
  });

  it("without a valid token: 401, nothing revoked", async () => {
    const fixture = await createVendFixture();
    const { credentialId, credential } = await vended(fixture);
    const response = await fixture.app.request(`/v1/credentials/${credentialId}`, { method: "DELETE" });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("missing_token");
    expect((await revoke(fixture, credentialId, RUN, "not-a-jwt")).status).toBe(401);
    expect((await introspect(fixture.store, systemClock, credential.token)).active).toBe(true);
  });

  it("a credential its worker vended as not revocable: 409 not_revocable with the reason", async () => {
    const fixture = await createVendFixture();
    const { credentialId } = await vended(fixture);
    const record = (await fixture.ledger.getCredential(credentialId))!;
    // The same record, as a worker that cannot revoke would have vended it.
    const ledger = fixture.ledger as unknown as { recordIssued(r: typeof record): Promise<void> };
    const id = "11111111-2222-4333-8444-555555555555";
    await ledger.recordIssued({ ...record, credentialId: id, revocable: false, tokenHashes: ["00".repeat(32)] });
    const answer = await revoke(fixture, id);
    expect(answer.status).toBe(409);
    expect(answer.body.error).toEqual({ code: "not_revocable", message: expect.stringContaining("vended it as not revocable") });
  });

  it("an over-long id is a 400 naming the field", async () => {
    const fixture = await createVendFixture();
    const answer = await revoke(fixture, "x".repeat(129));
    expect(answer).toEqual({ status: 400, body: { error: { code: "invalid_request", message: "credentialId: at most 128 characters" } } });
  });

  it("is in the OpenAPI document", async () => {
    const fixture = await createVendFixture();
    const document = (await (await fixture.app.request("/openapi.json")).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(document.paths["/v1/credentials/{credentialId}"] ?? {})).toEqual(["delete"]);
  });
});
