// GitHub's published test vectors, byte for byte, and the ways a signature can be wrong.
// HMAC: docs.github.com "Validating webhook deliveries" → "Testing the webhook payload validation".
// ECDSA: docs.github.com "Secret scanning partner program" → "Sample HTTP POST sent to verify endpoint"
// (key bcb53661…, the PEM GitHub publishes for it at /meta/public_keys/secret_scanning).
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { GitHubPartnerKeys } from "../../functions/adapters/github/github-partner-keys.js";
import {
  checkPartnerSignature,
  generatePartnerKeyPair,
  signPartnerBody,
} from "../../functions/adapters/github/github-partner-signature.js";
import { GitHubWebhookSignature, signWebhookBody } from "../../functions/adapters/github/github-webhook-signature.js";

const DOCS_SECRET = "It's a Secret to Everybody";
const DOCS_PAYLOAD = "Hello, World!";
const DOCS_HEADER = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

const PARTNER_KEY_ID = "bcb53661c06b4728e59d897fb6165d5c9cda0fd9cdf9d09ead458168deb7518c";
const PARTNER_PEM =
  "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYAGMWO8XgCamYKMJS6jc/qgvSlAd\nAjPuDPRcXU22YxgBrz+zoN19MzuRyW87qEt9/AmtoNP5GrobzUvQSyJFVw==\n-----END PUBLIC KEY-----\n";
const PARTNER_SIGNATURE = "MEQCIQDaMKqrGnE27S0kgMrEK0eYBmyG0LeZismAEz/BgZyt7AIfXt9fErtRS4XaeSt/AO1RtBY66YcAdjxji410VQV4xg==";
const PARTNER_PAYLOAD = '[{"source":"commit","token":"some_token","type":"some_type","url":"https://example.com/base-repo-url/"}]';

const bytes = (text: string) => new TextEncoder().encode(text);

describe("X-Hub-Signature-256 (HMAC-SHA256)", () => {
  it("verifies GitHub's documented example", () => {
    expect(signWebhookBody(DOCS_SECRET, DOCS_PAYLOAD)).toBe(DOCS_HEADER);
    expect(new GitHubWebhookSignature([DOCS_SECRET]).check(bytes(DOCS_PAYLOAD), DOCS_HEADER)).toBe("valid");
  });

  it("accepts any of several secrets (rotation) and refuses when none matches", () => {
    const rotating = new GitHubWebhookSignature(["new-secret-0123456789", DOCS_SECRET]);
    expect(rotating.check(bytes(DOCS_PAYLOAD), DOCS_HEADER)).toBe("valid");
    expect(new GitHubWebhookSignature(["another-secret-0123456789"]).check(bytes(DOCS_PAYLOAD), DOCS_HEADER)).toBe("mismatch");
  });

  it.each([
    { case: "missing", header: undefined, want: "missing" },
    { case: "empty", header: "", want: "missing" },
    { case: "sha1 scheme", header: "sha1=0123456789abcdef0123456789abcdef01234567", want: "malformed" },
    { case: "short", header: DOCS_HEADER.slice(0, -2), want: "malformed" },
    { case: "not hex", header: `sha256=${"z".repeat(64)}`, want: "malformed" },
    { case: "one digit changed", header: DOCS_HEADER.replace(/7$/, "8"), want: "mismatch" },
  ])("refuses a $case signature", ({ header, want }) => {
    expect(new GitHubWebhookSignature([DOCS_SECRET]).check(bytes(DOCS_PAYLOAD), header)).toBe(want);
  });

  it("refuses a changed body", () => {
    expect(new GitHubWebhookSignature([DOCS_SECRET]).check(bytes("Hello, World?"), DOCS_HEADER)).toBe("mismatch");
  });

  it("needs at least one non-empty secret", () => {
    expect(() => new GitHubWebhookSignature([""])).toThrow(/at least one/);
  });
});

/** GitHub's key endpoint as a Hono app; counts fetches. */
function keyServer(keys: { key_identifier: string; key: string }[]) {
  let fetches = 0;
  const app = new Hono();
  app.get("/meta/public_keys/secret_scanning", (c) => {
    fetches++;
    return c.json({ public_keys: keys.map((k) => ({ ...k, is_current: true })) });
  });
  const partnerKeys = new GitHubPartnerKeys({
    apiUrl: "http://github.test",
    fetch: async (input, init) => app.fetch(new Request(input, init)),
    minRefetchMs: 0,
  });
  return { partnerKeys, keys, fetches: () => fetches };
}

describe("Github-Public-Key-Signature (ECDSA P-256, SHA-256, DER)", () => {
  it("verifies GitHub's documented 104-byte example", async () => {
    expect(bytes(PARTNER_PAYLOAD).length).toBe(104);
    const { partnerKeys } = keyServer([{ key_identifier: PARTNER_KEY_ID, key: PARTNER_PEM }]);
    expect(await checkPartnerSignature(partnerKeys, bytes(PARTNER_PAYLOAD), PARTNER_KEY_ID, PARTNER_SIGNATURE)).toBe("valid");
  });

  it("fails when any one byte of the payload changes", async () => {
    const { partnerKeys } = keyServer([{ key_identifier: PARTNER_KEY_ID, key: PARTNER_PEM }]);
    const original = bytes(PARTNER_PAYLOAD);
    for (const at of [0, 20, 52, 103]) {
      const changed = Uint8Array.from(original);
      changed[at] = changed[at]! ^ 0x01;
      expect(await checkPartnerSignature(partnerKeys, changed, PARTNER_KEY_ID, PARTNER_SIGNATURE), `byte ${at}`).toBe("mismatch");
    }
  });

  it.each([
    { case: "no key id", keyId: undefined, signature: PARTNER_SIGNATURE, want: "missing" },
    { case: "no signature", keyId: PARTNER_KEY_ID, signature: undefined, want: "missing" },
    { case: "a short signature", keyId: PARTNER_KEY_ID, signature: "MEQCIQ==", want: "malformed" },
    { case: "a signature that is not base64", keyId: PARTNER_KEY_ID, signature: "!!not base64!!", want: "malformed" },
    { case: "a key id that is not hex", keyId: "../../etc", signature: PARTNER_SIGNATURE, want: "malformed" },
    { case: "a wrong key id", keyId: "a".repeat(64), signature: PARTNER_SIGNATURE, want: "unknown_key" },
    { case: "a truncated signature", keyId: PARTNER_KEY_ID, signature: PARTNER_SIGNATURE.slice(0, 64), want: "mismatch" },
  ])("refuses $case", async ({ keyId, signature, want }) => {
    const { partnerKeys } = keyServer([{ key_identifier: PARTNER_KEY_ID, key: PARTNER_PEM }]);
    expect(await checkPartnerSignature(partnerKeys, bytes(PARTNER_PAYLOAD), keyId, signature)).toBe(want);
  });

  it("caches the keys, and refetches once when a request names a new key (GitHub rotated)", async () => {
    const rotated = generatePartnerKeyPair();
    const server = keyServer([{ key_identifier: PARTNER_KEY_ID, key: PARTNER_PEM }]);
    await checkPartnerSignature(server.partnerKeys, bytes(PARTNER_PAYLOAD), PARTNER_KEY_ID, PARTNER_SIGNATURE);
    await checkPartnerSignature(server.partnerKeys, bytes(PARTNER_PAYLOAD), PARTNER_KEY_ID, PARTNER_SIGNATURE);
    expect(server.fetches()).toBe(1);
    server.keys.push({ key_identifier: "b".repeat(64), key: rotated.publicKeyPem });
    const body = bytes("[]");
    expect(await checkPartnerSignature(server.partnerKeys, body, "b".repeat(64), signPartnerBody(rotated.privateKey, body))).toBe("valid");
    expect(server.fetches()).toBe(2);
    expect(await checkPartnerSignature(server.partnerKeys, body, "c".repeat(64), signPartnerBody(rotated.privateKey, body))).toBe(
      "unknown_key",
    );
    expect(server.fetches()).toBe(3);
  });

  it("does not refetch for unknown keys more often than allowed", async () => {
    const app = new Hono();
    let fetches = 0;
    app.get("/meta/public_keys/secret_scanning", (c) => {
      fetches++;
      return c.json({ public_keys: [{ key_identifier: PARTNER_KEY_ID, key: PARTNER_PEM }] });
    });
    const partnerKeys = new GitHubPartnerKeys({ apiUrl: "http://github.test", fetch: async (i, init) => app.fetch(new Request(i, init)) });
    for (let i = 0; i < 5; i++) await checkPartnerSignature(partnerKeys, bytes("[]"), `${i}`.repeat(64), PARTNER_SIGNATURE);
    expect(fetches).toBe(1);
  });
});
