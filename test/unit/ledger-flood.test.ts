// Review finding: any repository on GitHub can mint a token with our audience, and each denied
// request wrote an audit event of up to ~20 KB into one index partition per day: a flood throttled
// it, and then every vend failed `ledger_unavailable`. A token from a repository no rule names is
// now refused before any worker, at no more than one ledger write per (owner, hour); every deny
// event keeps a capped part of the request.
import { describe, expect, it } from "vitest";
import { auditedScopes } from "../../functions/core/denials/audited-scopes.js";
import { PolicyDeniedError } from "../../functions/core/errors.js";
import { loadPolicyYaml } from "../../functions/core/policy/policy-yaml.js";
import type { Clock } from "../../functions/core/ports/clock.js";
import type { CredentialLedger } from "../../functions/core/ports/credential-ledger.js";
import type { PluginDirectory } from "../../functions/core/ports/plugin-client.js";
import { VendPipeline } from "../../functions/core/vend-pipeline.js";
import { MemoryLedger } from "../support/memory-ledger.js";
import { SAMPLE_POLICY } from "../support/vend-fixture.js";

const WRITES = new Set<string | symbol>([
  "recordIssued",
  "appendAudit",
  "appendAuditOnce",
  "claimInvalidation",
  "completeInvalidation",
  "failInvalidation",
  "tagCredential",
  "recordDelivery",
]);

/** The ledger, with every write call counted. */
function countingLedger(inner = new MemoryLedger()): { ledger: CredentialLedger; writes: string[]; inner: MemoryLedger } {
  const writes: string[] = [];
  const ledger = new Proxy(inner, {
    get(target, name) {
      const value: unknown = Reflect.get(target, name, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (WRITES.has(name)) writes.push(String(name));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { ledger, writes, inner };
}

/** A directory that counts what the pipeline asks of it: a foreign denial asks nothing. */
function countingPlugins(): { plugins: PluginDirectory; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    plugins: {
      forProvider: async (provider) => {
        asked.push(provider);
        return undefined;
      },
      providers: () => ["local"],
    },
  };
}

function steppingClock(startIso: string, stepMs: number): Clock & { readonly hours: Set<string> } {
  let t = Date.parse(startIso);
  const hours = new Set<string>();
  return {
    hours,
    now: () => {
      const now = new Date(t);
      t += stepMs;
      hours.add(now.toISOString().slice(0, 13));
      return now;
    },
  };
}

const foreign = (owner: string, ownerId: string, repo: string) => ({
  iss: "https://issuer.test",
  repository: `${owner}/${repo}`,
  repository_id: String(900_000 + repo.length),
  repository_owner: owner,
  repository_owner_id: ownerId,
  ref: "refs/heads/main",
  run_id: "1",
  actor: owner,
});
/** The largest request the API accepts: 20 scopes of 512 characters. */
const largest = (n: number) => Array.from({ length: 20 }, (_, i) => `local:read:${String(n).padStart(6, "0")}-${i}-`.padEnd(512, "x"));

function pipelineOn(ledger: CredentialLedger, clock: Clock, plugins: PluginDirectory): VendPipeline {
  return new VendPipeline({ policy: loadPolicyYaml(SAMPLE_POLICY), ledger, plugins, clock, notifier: { notify: async () => {} } });
}

describe("ledger flood: any GitHub repository can flood the ledger", () => {
  it("10,000 denied requests from a foreign owner cost at most one ledger write per (owner, hour), and no worker call", async () => {
    const { ledger, writes, inner } = countingLedger();
    const { plugins, asked } = countingPlugins();
    // 10,000 requests 0.5 s apart from 10:30: 83 minutes, so two hours.
    const clock = steppingClock("2031-05-01T10:30:00.000Z", 500);
    const pipeline = pipelineOn(ledger, clock, plugins);

    let refused = 0;
    for (let n = 0; n < 10_000; n++) {
      const claims = foreign("evil", "666", `repo-${n % 50}`);
      const error = await pipeline.vend(claims, { scopes: largest(n) }).catch((e: unknown) => e);
      if (error instanceof PolicyDeniedError && error.code === "no_matching_rule") refused++;
    }

    expect(refused).toBe(10_000);
    expect(asked).toEqual([]);
    expect(clock.hours).toEqual(new Set(["2031-05-01T10", "2031-05-01T11"]));
    expect(writes).toEqual(["appendAuditOnce", "appendAuditOnce"]);
    const stored = await inner.auditByTime({ from: "2031-05-01T00:00:00.000Z", to: "2031-05-02T00:00:00.000Z" });
    expect(stored.map((e) => [e.type, e.eventId, e.at])).toEqual([
      ["deny_flood", "deny_flood-2031-05-01T10-id-666", "2031-05-01T10:00:00.000Z"],
      ["deny_flood", "deny_flood-2031-05-01T11-id-666", "2031-05-01T11:00:00.000Z"],
    ]);
    expect(stored[0]).toMatchObject({
      repository: "evil/repo-0",
      reason: "no_matching_rule",
      details: { owner: "id-666", ownerId: "666", firstAt: "2031-05-01T10:30:00.000Z", truncated: "20 cut to 200 characters, ending in …" },
    });
    expect(stored[0]!.scopes).toHaveLength(20);
    expect(stored[0]!.scopes!.every((scope) => scope.length === 200 && scope.endsWith("…"))).toBe(true);
    // Small: the capped scopes once, the first request's claims, a few details.
    for (const event of stored) expect(JSON.stringify(event).length).toBeLessThan(5_000);
  });

  it("several foreign owners: one write each per hour, and an owner told apart by id, not by name", async () => {
    const { ledger, writes, inner } = countingLedger();
    const pipeline = pipelineOn(ledger, steppingClock("2031-05-01T10:00:00.000Z", 10), countingPlugins().plugins);
    const owners = [foreign("evil", "666", "a"), foreign("mallory", "777", "b"), foreign("evil-renamed", "666", "c")];
    for (let n = 0; n < 3_000; n++) await pipeline.vend(owners[n % 3]!, { scopes: ["local:read:x"] }).catch(() => undefined);

    expect(writes).toEqual(["appendAuditOnce", "appendAuditOnce"]);
    const stored = await inner.auditByTime({ from: "2031-05-01T10:00:00.000Z", to: "2031-05-01T11:00:00.000Z" });
    expect(stored.map((e) => e.eventId).sort()).toEqual(["deny_flood-2031-05-01T10-id-666", "deny_flood-2031-05-01T10-id-777"]);
  });

  it("several function instances: one conditional write attempt each, one summary stored", async () => {
    const { ledger, writes, inner } = countingLedger();
    const instances = Array.from({ length: 4 }, () =>
      pipelineOn(ledger, steppingClock("2031-05-01T10:00:00.000Z", 10), countingPlugins().plugins),
    );
    await Promise.all(
      instances.map(async (pipeline) => {
        for (let n = 0; n < 2_500; n++)
          await pipeline.vend(foreign("evil", "666", "x"), { scopes: ["local:read:x"] }).catch(() => undefined);
      }),
    );

    expect(writes).toEqual(Array(4).fill("appendAuditOnce"));
    expect(await inner.auditByTime({ from: "2031-05-01T10:00:00.000Z", to: "2031-05-01T11:00:00.000Z" })).toHaveLength(1);
  });

  it("a summary the ledger could not write is a 503, and the owner's next request tries again", async () => {
    class FailingOnce extends MemoryLedger {
      failures = 1;
      override async appendAuditOnce(...args: Parameters<MemoryLedger["appendAuditOnce"]>): Promise<boolean> {
        if (this.failures-- > 0) throw new Error("throttled");
        return super.appendAuditOnce(...args);
      }
    }
    const { ledger, writes } = countingLedger(new FailingOnce());
    const pipeline = pipelineOn(ledger, steppingClock("2031-05-01T10:00:00.000Z", 10), countingPlugins().plugins);
    const claims = foreign("evil", "666", "x");

    await expect(pipeline.vend(claims, { scopes: ["local:read:x"] })).rejects.toMatchObject({ code: "ledger_unavailable" });
    await expect(pipeline.vend(claims, { scopes: ["local:read:x"] })).rejects.toMatchObject({ code: "no_matching_rule" });
    await expect(pipeline.vend(claims, { scopes: ["local:read:x"] })).rejects.toMatchObject({ code: "no_matching_rule" });
    expect(writes).toEqual(["appendAuditOnce", "appendAuditOnce"]);
  });

  it("a denial of a repository a rule names is audited in full, with its scopes capped and the cut marked", async () => {
    const { ledger, writes, inner } = countingLedger();
    // For a repository a rule names, the worker is looked up first; the policy then denies before any call to it.
    const untouched: PluginDirectory = { forProvider: async () => ({ name: "never-called" }) as never, providers: () => ["local"] };
    const pipeline = pipelineOn(ledger, steppingClock("2031-05-01T10:00:00.000Z", 10), untouched);
    const claims = { ...foreign("acme", "1001", "web"), ref: "refs/heads/feature" };
    const scopes = ["local:read:short", ...largest(1).slice(0, 19)];
    await expect(pipeline.vend(claims, { scopes })).rejects.toMatchObject({ code: "scope_denied" });

    expect(writes).toEqual(["appendAudit"]);
    const [deny] = await inner.auditByTime({ from: "2031-05-01T10:00:00.000Z", to: "2031-05-01T11:00:00.000Z" });
    expect(deny).toMatchObject({ type: "deny", reason: "scope_denied", details: { truncated: "19 cut to 200 characters, ending in …" } });
    expect(deny!.scopes![0]).toBe("local:read:short");
    expect(deny!.scopes!.slice(1).every((scope) => scope.length === 200 && scope.endsWith("…"))).toBe(true);
    const denied = deny!.details!["denied"]!.split(" ");
    expect(denied).toHaveLength(20);
    expect(denied.every((scope) => scope.length <= 200)).toBe(true);
    expect(JSON.stringify(deny).length).toBeLessThan(10_000);
  });

  it.each([
    { name: "a short list of short scopes, unchanged", scopes: ["a:b:c", "a:b:d"], kept: ["a:b:c", "a:b:d"], truncated: undefined },
    {
      name: "a scope of exactly 200 characters, unchanged",
      scopes: ["a:b:".padEnd(200, "x")],
      kept: ["a:b:".padEnd(200, "x")],
      truncated: undefined,
    },
    {
      name: "a scope of 201 characters, cut and marked",
      scopes: ["a:b:".padEnd(201, "x")],
      kept: [`${"a:b:".padEnd(199, "x")}…`],
      truncated: "1 cut to 200 characters, ending in …",
    },
    {
      name: "25 scopes, the first 20 kept",
      scopes: Array.from({ length: 25 }, (_, i) => `a:b:${i}`),
      kept: Array.from({ length: 20 }, (_, i) => `a:b:${i}`),
      truncated: "5 of 25 scopes left out",
    },
  ])("auditedScopes: $name", ({ scopes, kept, truncated }) => {
    expect(auditedScopes(scopes)).toStrictEqual(truncated === undefined ? { scopes: kept } : { scopes: kept, truncated });
  });
});
