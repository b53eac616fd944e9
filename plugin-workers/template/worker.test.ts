// The worker through the real gRPC-web client, in memory (no network): every step a vend takes.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPluginTestClient } from "../sdk/index.js";
import { createWorker } from "./worker.js";

const subject = { repository: "acme/web", ref: "refs/heads/main" };

describe("template-worker", () => {
  it("describes itself as plugin.json says (the signed manifest is built from it)", async () => {
    const info = JSON.parse(readFileSync(join(import.meta.dirname, "plugin.json"), "utf8")) as Record<string, unknown>;
    const described = await createPluginTestClient(createWorker()).describe();
    expect({ name: described.name, version: described.version, providers: described.providers }).toEqual({
      name: info.name,
      version: info.version,
      providers: info.providers,
    });
    expect([...described.capabilities].sort()).toEqual([...(info.capabilities as string[])].sort());
  });

  it("prepares and vends a token for a valid scope", async () => {
    const client = createPluginTestClient(createWorker());
    const scopes = [{ provider: "tmpl", action: "read", resource: "Reports" }];
    const prepared = await client.prepare({ scopes, subject, ttlSeconds: 600 });
    expect(prepared.validations[0]).toMatchObject({ valid: true, normalized: { resource: "reports" } });
    const vended = await client.vend({
      credentialId: "c-1",
      scopes: prepared.validations.map((v) => v.normalized ?? v.scope),
      subject,
      ttlSeconds: 600,
      serialized: prepared.serialized!.serialized,
    });
    expect(vended.credential.token).toMatch(/^tmpl_/);
  });

  it("rejects an unknown action with a message for the caller", async () => {
    const prepared = await createPluginTestClient(createWorker()).prepare({
      scopes: [{ provider: "tmpl", action: "admin", resource: "x" }],
      subject,
      ttlSeconds: 60,
    });
    expect(prepared.validations[0]).toMatchObject({ valid: false, error: 'unknown action "admin" (read, write)' });
  });
});
