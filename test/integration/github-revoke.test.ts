// Revoking GitHub installation tokens: the worker keeps each token sealed (token vault) and calls
// DELETE /installation/token with it. GitHub is a local HTTP stand-in; KMS is mocked at the SDK
// boundary; the DynamoDB vault store runs on dynalite.
import { randomBytes, randomUUID } from "node:crypto";
import { CreateTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DecryptCommand, EncryptCommand, KMSClient } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkerError } from "../../functions/core/errors.js";
import { parseScope } from "../../plugin-protocol/scope.js";
import { loadGitHubAppCredentials } from "../../plugin-workers/github/config.js";
import { GitHubApp } from "../../plugin-workers/github/github-app.js";
import { AesGcmSealer, MemoryVaultStore, TokenVault } from "../../plugin-workers/github/token-vault.js";
import { DynamoDbVaultStore, KmsSealer } from "../../plugin-workers/github/token-vault-aws.js";
import { createGitHubWorker } from "../../plugin-workers/github/worker.js";
import { inMemoryWorkerClient } from "../support/in-memory-worker.js";
import { localDynamoClient, startDynalite, type LocalDynamo } from "../support/dynalite.js";
import { startFakeGitHubApi, type FakeGitHubApi } from "../support/fake-github-api.js";

let github: FakeGitHubApi;
beforeAll(async () => {
  github = await startFakeGitHubApi();
});
afterAll(async () => github?.close());

/** GitHub's DELETE /installation/token: answers the scripted statuses (then 204), records the auth header. */
function revocationEndpoint() {
  const seen: string[] = [];
  const script: number[] = [];
  const app = new Hono();
  app.delete("/installation/token", (c) => {
    seen.push(c.req.header("authorization") ?? "");
    const status = script.shift() ?? 204;
    return status === 204 ? c.body(null, 204) : c.json({ message: "nope" }, status as 401 | 500);
  });
  return {
    seen,
    answer: (...s: number[]) => script.push(...s),
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => app.fetch(new Request(input, init)),
  };
}

function setup(options: { vault?: TokenVault } = {}) {
  const credentials = loadGitHubAppCredentials({
    GITHUB_APP_ID: github.appId,
    GITHUB_APP_PRIVATE_KEY: github.privateKey,
    GITHUB_API_URL: github.url,
  })!;
  const endpoint = revocationEndpoint();
  const store = new MemoryVaultStore();
  const vault = options.vault ?? new TokenVault(new AesGcmSealer(randomBytes(32)), store);
  const worker = createGitHubWorker({
    app: new GitHubApp(credentials),
    revocation: { vault, apiUrl: "http://github.test", fetch: endpoint.fetch },
  });
  const client = inMemoryWorkerClient(worker, { maxRetries: 0 });
  const vend = async (credentialId = randomUUID()) => {
    const request = { scopes: [parseScope("github:contents-read:acme/web")], subject: { repository: "acme/web" }, ttlSeconds: 3600 };
    const prepared = await client.prepare(request);
    return { credentialId, ...(await client.vend({ ...request, credentialId, serialized: prepared.serialized!.serialized })) };
  };
  const revoke = (vended: { credentialId: string; expiresAt: Date; upstreamRef: string }) =>
    client.revoke({ credentialId: vended.credentialId, scopes: [], upstreamRef: vended.upstreamRef, expiresAt: vended.expiresAt });
  return { client, endpoint, store, vend, revoke };
}

describe("github worker revocation", () => {
  it("with a vault: vends revocable tokens, keeps them sealed, and revokes with the token itself", async () => {
    const { client, endpoint, store, vend, revoke } = setup();
    expect((await client.describe()).capabilities).toContain("revoke");
    const vended = await vend();
    expect(vended.revocable).toBe(true);
    const sealed = await store.get(vended.credentialId);
    expect(Buffer.from(sealed!.sealed!).toString("latin1")).not.toContain(vended.credential.token!);
    expect(vended.upstreamRef).not.toContain(vended.credential.token!);

    expect(await revoke(vended)).toEqual({ outcome: "revoked", detail: "GitHub revoked the installation token" });
    expect(endpoint.seen).toEqual([`token ${vended.credential.token}`]);
    expect(await store.get(vended.credentialId)).toEqual({ expiresAt: expect.any(Date), revokedAt: expect.any(Date) });
  });

  it("a repeat after a successful revoke (the core stopped waiting) is already_gone, with no second call to GitHub", async () => {
    const { endpoint, vend, revoke } = setup();
    const vended = await vend();
    expect((await revoke(vended)).outcome).toBe("revoked");
    expect(await revoke(vended)).toEqual({ outcome: "already_gone", detail: expect.stringContaining("revoked by this worker at ") });
    expect(endpoint.seen).toHaveLength(1);
  });

  it("401 from GitHub (token dead already) is already_gone; a 500 keeps the token for the retry", async () => {
    const { endpoint, store, vend, revoke } = setup();
    const dead = await vend();
    endpoint.answer(401);
    expect((await revoke(dead)).outcome).toBe("already_gone");

    const live = await vend();
    endpoint.answer(500);
    const error = await revoke(live).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as WorkerError).kind).toBe("unavailable");
    expect(await store.get(live.credentialId)).toBeDefined();
    expect((await revoke(live)).outcome).toBe("revoked");
  });

  it("without the token it refuses to pretend: not revoked, unless it has expired anyway", async () => {
    const { vend, revoke } = setup();
    // A credential whose token the vault never kept.
    const vended = { ...(await vend()), credentialId: randomUUID() };
    await expect(revoke(vended)).rejects.toBeInstanceOf(WorkerError);
    expect(await revoke({ ...vended, expiresAt: new Date(Date.now() - 1000) })).toEqual({ outcome: "already_gone", detail: "expired" });
  });

  it("without a vault: Revoke is still advertised (one signed manifest) but refuses, naming the manual way", async () => {
    const credentials = loadGitHubAppCredentials({
      GITHUB_APP_ID: github.appId,
      GITHUB_APP_PRIVATE_KEY: github.privateKey,
      GITHUB_API_URL: github.url,
    })!;
    const client = inMemoryWorkerClient(createGitHubWorker({ app: new GitHubApp(credentials) }), { maxRetries: 0 });
    expect((await client.describe()).capabilities).toContain("revoke");
    const error = await client
      .revoke({ credentialId: "cred-1", scopes: [], upstreamRef: "{}", expiresAt: new Date(Date.now() + 60_000) })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as WorkerError).kind).toBe("unavailable");
    expect((error as WorkerError).message).toContain("revoke the token by hand");
  });
});

describe("token vault sealing", () => {
  it("AES-GCM: a sealed token opens only under its own credential id", async () => {
    const sealer = new AesGcmSealer(randomBytes(32));
    const sealed = await sealer.seal(new TextEncoder().encode("ghs_secret"), "cred-1");
    expect(new TextDecoder().decode(await sealer.open(sealed, "cred-1"))).toBe("ghs_secret");
    await expect(sealer.open(sealed, "cred-2")).rejects.toThrow();
  });

  it("an expired entry is never opened", async () => {
    const store = new MemoryVaultStore();
    const vault = new TokenVault(new AesGcmSealer(randomBytes(32)), store);
    await vault.keep("c", "ghs_x", new Date(Date.now() - 1));
    expect(await vault.take("c")).toBeUndefined();
  });

  it("KMS: Encrypt and Decrypt bound to the credential id (EncryptionContext)", async () => {
    const kms = new KMSClient({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    const mock = mockClient(kms);
    mock.on(EncryptCommand).resolves({ CiphertextBlob: Uint8Array.from([1, 2, 3]) });
    mock.on(DecryptCommand).resolves({ Plaintext: new TextEncoder().encode("ghs_secret") });
    const sealer = new KmsSealer(kms, "alias/credvend-github-tokens");
    expect(await sealer.seal(new TextEncoder().encode("ghs_secret"), "cred-1")).toEqual(Uint8Array.from([1, 2, 3]));
    expect(mock.commandCalls(EncryptCommand)[0]!.args[0].input).toEqual({
      KeyId: "alias/credvend-github-tokens",
      Plaintext: new TextEncoder().encode("ghs_secret"),
      EncryptionContext: { credentialId: "cred-1" },
    });
    await sealer.open(Uint8Array.from([1, 2, 3]), "cred-1");
    expect(mock.commandCalls(DecryptCommand)[0]!.args[0].input).toEqual({
      KeyId: "alias/credvend-github-tokens",
      CiphertextBlob: Uint8Array.from([1, 2, 3]),
      EncryptionContext: { credentialId: "cred-1" },
    });
  });
});

describe("DynamoDbVaultStore on dynalite", () => {
  let dynamo: LocalDynamo;
  let client: DynamoDBClient;
  const table = "github-token-vault";
  beforeAll(async () => {
    dynamo = await startDynalite();
    client = localDynamoClient(dynamo.endpoint);
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "credentialId", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "credentialId", KeyType: "HASH" }],
      }),
    );
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.close();
  });

  it("stores, finds, refuses a second put for the same id, and keeps a tombstone once revoked", async () => {
    const store = new DynamoDbVaultStore(client, table);
    const expiresAt = new Date(Date.now() + 3600_000);
    await store.put("cred-1", Uint8Array.from([9, 8, 7]), expiresAt);
    expect(await store.get("cred-1")).toEqual({ sealed: Uint8Array.from([9, 8, 7]), expiresAt });
    await expect(store.put("cred-1", Uint8Array.from([1]), expiresAt)).rejects.toThrow();
    const revokedAt = new Date();
    await store.markRevoked("cred-1", revokedAt);
    expect(await store.get("cred-1")).toEqual({ expiresAt, revokedAt });
    await store.markRevoked("cred-never", revokedAt);
    expect(await store.get("cred-never")).toBeUndefined();
  });
});
