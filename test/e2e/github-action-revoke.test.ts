// The Action's main and post against the local stack (`npm start`'s wiring), with GitHub's runner
// variables: ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN served by a local stand-in that mints the job's
// tokens from the local stack's dev issuer (one run_id per job), GITHUB_ENV, GITHUB_OUTPUT and
// GITHUB_STATE. Post revokes what main vended; the local-tokens worker then says inactive.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDevClaims } from "../../cli/dev/dev-oidc-issuer.js";
import { startLocalStack, type LocalStack } from "../../cli/local-stack.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { startFakeActionsOidc, type FakeActionsOidc } from "../support/fake-actions-oidc.js";
import { actionJob } from "../support/run-action.js";

const policyYaml = readFileSync(new URL("../../credvend.policy.yaml", import.meta.url), "utf8");

let stack: LocalStack;
let oidc: FakeActionsOidc;
let runId = 7000;
beforeAll(async () => {
  stack = await startLocalStack({ port: 0, policyYaml, logger: silentLogger, keyDir: mkdtempSync(join(tmpdir(), "credvend-action-")) });
  const claims = () => ({ ...defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" }), run_id: String(runId) });
  oidc = await startFakeActionsOidc({
    token: ({ audience }) => stack.issuer.mint({ ...claims(), repository: "acme/web", ref: "refs/heads/main", audience }),
  });
}, 60_000);
afterAll(async () => {
  await oidc?.close();
  await stack?.close();
});

function job() {
  runId++;
  return actionJob({ requestUrl: oidc.requestUrl, requestToken: oidc.requestToken });
}

async function active(token: string): Promise<boolean> {
  const response = await fetch(`${stack.workerUrl}/introspect`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  return ((await response.json()) as { active: boolean }).active;
}

const INPUTS = () => ({ url: stack.url, scopes: "local:read:billing", "ttl-seconds": "600" });

describe("the Action against the local stack", () => {
  it("post revokes the credential main vended: introspection says inactive, the ledger says revoked_by_owner", async () => {
    const steps = job();
    const main = await steps.main(INPUTS());
    expect(main.code).toBe(0);
    const token = main.env.CREDVEND_TOKEN!;
    const credentialId = main.outputs["credential-id"]!;
    expect(await active(token)).toBe(true);

    const post = await steps.post();
    expect(post).toMatchObject({ code: 0, stderr: "" });
    expect(post.stdout).toBe(`credvend: credential ${credentialId} revoked\n`);
    expect(await active(token)).toBe(false);

    const events = await stack.ledger.auditByCredential(credentialId);
    expect(events.map((e) => `${e.type}:${e.reason ?? ""}`)).toEqual(["vend:", "revoke:revoked_by_owner"]);
    // The exposure window, from the ledger's own events: vend → revoke, against the granted life.
    const [vended, revoked] = events.map((e) => Date.parse(e.at));
    const granted = Date.parse(main.outputs["expires-at"]!) - vended!;
    expect(revoked! - vended!).toBeLessThan(granted);
  });

  it("post never fails the job: a revoke it cannot do is a warning, and the credential expires on its own", async () => {
    const steps = job();
    const main = await steps.main(INPUTS());
    oidc.failWith = 500;
    try {
      const post = await steps.post();
      expect(post.code).toBe(0);
      expect(post.stdout).toMatch(
        /^::warning::credvend: could not revoke .*the Actions OIDC endpoint answered 500; it expires on its own\n$/,
      );
    } finally {
      oidc.failWith = undefined;
    }
    expect(await active(main.env.CREDVEND_TOKEN!)).toBe(true);
  });

  it("another run's post cannot revoke it (404, a warning); revoke-on-exit false leaves it alone", async () => {
    const first = job();
    const main = await first.main(INPUTS());
    // The state file carried over to a job of another run: the broker refuses.
    runId++;
    const post = await first.post();
    expect(post.code).toBe(0);
    expect(post.stdout).toContain("(404 credential_not_found: no credential with this id was vended to this workflow run)");
    expect(await active(main.env.CREDVEND_TOKEN!)).toBe(true);

    const kept = job();
    const keptMain = await kept.main({ ...INPUTS(), "revoke-on-exit": "false" });
    expect(await kept.post()).toMatchObject({ code: 0, stdout: "" });
    expect(await active(keptMain.env.CREDVEND_TOKEN!)).toBe(true);
  });
});
