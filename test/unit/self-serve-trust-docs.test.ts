// docs/self-serve-trust.md's worked example, run: its central policy and target file compile, and
// decide the outcomes its table states; its workflow uses only inputs the Action has. The audit
// output shows what granted a vend; the SDK serves TrustPolicy only for valid identities.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createPrinter } from "../../cli/audit/audit-output.js";
import { evaluateRequest } from "../../functions/core/policy/evaluate-request.js";
import { loadPolicyYaml } from "../../functions/core/policy/policy-yaml.js";
import { compileTargetPolicy } from "../../functions/core/policy/target-policy.js";
import { parseScope } from "../../plugin-protocol/scope.js";
import { parseStrictYaml } from "../../plugin-workers/sdk/strict-yaml.js";
import { inMemoryWorkerClient } from "../support/in-memory-worker.js";

const ROOT = join(import.meta.dirname, "../..");
const PAGE = readFileSync(join(ROOT, "docs/self-serve-trust.md"), "utf8");
const [CENTRAL, TARGET, WORKFLOW] = [...PAGE.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
const ACME_WEB = {
  iss: "https://token.actions.githubusercontent.com",
  repository: "acme/web",
  repository_id: "264037838",
  repository_owner: "acme",
  repository_owner_id: "4242",
  ref: "refs/heads/main",
};

describe("docs/self-serve-trust.md: the worked example", () => {
  const central = loadPolicyYaml(CENTRAL!);
  const target = compileTargetPolicy(parseStrictYaml(TARGET!), central.issuers);
  const origin = { repository: "acme/infra", path: ".github/credvend/release.yaml", commitSha: "c".repeat(40) };
  const decide = (scope: string, identity: string | undefined, claims = ACME_WEB) =>
    evaluateRequest(central, claims, [parseScope(scope)], {
      ...(identity ? { identity } : {}),
      requestedTtlSeconds: 3600,
      targetPolicies: async (_, asked) => (asked === "release" ? { status: "found", policy: target, origin } : { status: "missing" }),
    });

  it.each([
    { row: "on main, identity release", scope: "github:contents-write:acme/infra", identity: "release", party: undefined },
    { row: "another branch", scope: "github:contents-write:acme/infra", identity: "release", ref: "refs/heads/x", party: "target_policy" },
    { row: "without identity", scope: "github:contents-write:acme/infra", identity: undefined, party: "policy" },
    { row: "identity deploy", scope: "github:contents-write:acme/infra", identity: "deploy", party: "target_policy" },
    { row: "administration-write", scope: "github:administration-write:acme/infra", identity: "release", party: "ceiling" },
  ])("$row", async ({ scope, identity, ref, party }) => {
    const decision = await decide(scope, identity, ref ? { ...ACME_WEB, ref } : ACME_WEB);
    if (party === undefined) {
      expect(decision).toMatchObject({ allowed: true, ttlSeconds: 1800 });
      expect(decision.outcomes[0]).toMatchObject({
        by: { kind: "delegation", delegation: "acme-self-serve", grant: "release-from-web-main" },
      });
    } else expect(decision.outcomes[0]).toMatchObject({ allowed: false, party });
  });

  it("the workflow's credvend step uses only inputs action.yml has", () => {
    const action = parse(readFileSync(join(ROOT, "action.yml"), "utf8")) as { inputs: Record<string, unknown> };
    const step = (parse(WORKFLOW!) as { jobs: { release: { steps: { uses?: string; with?: Record<string, string> }[] } } }).jobs.release
      .steps[0]!;
    expect(step.uses).toBe("your-org/credvend@main");
    for (const input of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs)).toContain(input);
    expect(step.with?.identity).toBe("release");
  });
});

describe("credvend audit shows what granted a vend", () => {
  it("the vend event's grantedBy and identity appear in the table", () => {
    let out = "";
    const printer = createPrinter("table", (text) => (out += text), new Date());
    const grantedBy = `delegation acme-self-serve, target acme/infra: acme/infra/.github/credvend/release.yaml@${"c".repeat(40)} grant release-from-web-main`;
    printer.event({
      eventId: "e1",
      type: "vend",
      at: new Date().toISOString(),
      scopes: ["github:contents-write:acme/infra"],
      details: { grantedBy, identity: "release" },
    });
    printer.end({});
    expect(out).toContain(`grantedBy=${grantedBy}`);
    expect(out).toContain("identity=release");
  });
});

describe("the SDK's TrustPolicy", () => {
  const file = { status: "not_found" as const };
  it.each(["../release", "a/b", "Release", `r${"x".repeat(63)}`, ""])(
    "refuses identity %j before the worker reads anything",
    async (identity) => {
      let asked = 0;
      const client = inMemoryWorkerClient(
        {
          name: "t",
          version: "1",
          providers: ["t"],
          validate: () => [],
          serialize: () => ({ serialized: new Uint8Array(), mediaType: "x" }),
          vend: () => {
            throw new Error("no");
          },
          trustPolicy: () => {
            asked++;
            return file;
          },
        },
        { maxRetries: 0 },
      );
      await expect(client.trustPolicy({ target: "acme/infra", identity })).rejects.toMatchObject({ kind: "invalid_request" });
      expect(asked).toBe(0);
    },
  );

  it("a worker without it answers `unsupported`, and that does not open its circuit", async () => {
    const client = inMemoryWorkerClient(
      {
        name: "t",
        version: "1",
        providers: ["t"],
        validate: () => [],
        serialize: () => ({ serialized: new Uint8Array(), mediaType: "x" }),
        vend: () => {
          throw new Error("no");
        },
      },
      { maxRetries: 0 },
    );
    for (let i = 0; i < 10; i++)
      expect(await client.trustPolicy({ target: "acme/infra", identity: "release" })).toEqual({ status: "unsupported" });
    expect(await client.describe()).toMatchObject({ name: "t", protocolVersion: "1.2" });
  });
});
