// The alert poller as deployed composes it (functions/poller/compose.ts), reading GitHub as the
// App: a stand-in for api.github.com checks the App JWT, mints installation tokens, and lists
// open alerts only to an installation token, with ETags. The leak handler and worker are the real
// ones of leak-fixture.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composePoller } from "../../functions/poller/compose.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { startFakeGitHubApi, type FakeGitHubApi } from "../support/fake-github-api.js";
import { createLeakFixture, type LeakFixture } from "../support/leak-fixture.js";

let github: FakeGitHubApi;
beforeAll(async () => {
  github = await startFakeGitHubApi("4242");
});
afterAll(() => github.close());

const pollerOn = (fixture: LeakFixture, watch: string[]) =>
  composePoller({
    ledger: fixture.ledger,
    plugins: fixture.plugins,
    notifier: { notify: async (n) => void fixture.notifications.push(n) },
    githubApiUrl: github.url,
    githubAuth: { kind: "app", appId: github.appId, privateKey: github.privateKey },
    logger: silentLogger,
    watch,
  });

const requests = () => github.requests.map((r) => `${r.method} ${r.path}`);

describe("the alert poller as the GitHub App", () => {
  it("finds the organization's installation, mints a token, lists the open alerts and contains a leak no webhook brought", async () => {
    const fixture = await createLeakFixture();
    const { secret, record } = await fixture.issue();
    github.openAlert("acme/web", secret);
    github.requests.length = 0;

    expect(await pollerOn(fixture, ["acme"]).poll()).toStrictEqual({ handled: 1, pendingReads: 0 });
    expect(requests()).toStrictEqual([
      "GET /orgs/acme/installation",
      "POST /app/installations/77/access_tokens",
      "GET /orgs/acme/secret-scanning/alerts",
    ]);
    expect((await fixture.ledger.getCredential(record.credentialId))?.state).toBe("revoked");
    expect(fixture.upstream.revoked).toStrictEqual([record.upstreamRef]);
    expect(fixture.notifications).toHaveLength(1);
  });

  it("asks again with the first page's ETag: an unchanged list is a 304 (no rate limit spent), a new alert is listed", async () => {
    const fixture = await createLeakFixture();
    const first = await fixture.issue();
    github.openAlert("acme/web", first.secret);
    const poller = pollerOn(fixture, ["acme"]);
    await poller.poll();
    expect(await fixture.ledger.getWatermark("alerts:acme")).toContain('"etag"');

    github.requests.length = 0;
    expect(await poller.poll()).toStrictEqual({ handled: 0, pendingReads: 0 });
    expect(requests()).toStrictEqual(["GET /orgs/acme/secret-scanning/alerts"]);

    const second = await fixture.issue();
    github.openAlert("acme/api", second.secret);
    expect(await poller.poll()).toStrictEqual({ handled: 1, pendingReads: 0 });
    expect((await fixture.ledger.getCredential(second.record.credentialId))?.state).toBe("revoked");
    expect(fixture.upstream.calls).toHaveLength(2); // one revoke per credential, never a second
  });

  it("a repository is watched through its own installation and list; a user account (no org endpoint) fails alone", async () => {
    const fixture = await createLeakFixture();
    const { secret, record } = await fixture.issue();
    github.openAlert("octocat/dotfiles", secret);
    github.requests.length = 0;

    // `octocat` is a user: GitHub has no org list for it, so the run reports failed, and the
    // repository named explicitly is still polled.
    expect(await pollerOn(fixture, ["octocat", "octocat/dotfiles"]).poll()).toStrictEqual({
      handled: 1,
      pendingReads: 0,
      stopped: "failed",
    });
    expect(requests()).toContain("GET /repos/octocat/dotfiles/installation");
    expect(requests()).toContain("GET /repos/octocat/dotfiles/secret-scanning/alerts");
    expect((await fixture.ledger.getCredential(record.credentialId))?.state).toBe("revoked");
  });
});
