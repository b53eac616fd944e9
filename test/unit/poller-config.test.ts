// The alert poller's and sweeper's configuration: what every leak-response function reads, and
// no webhook secret (they read alerts through GitHub's API, never a delivery).
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../plugin-workers/sdk/env.js";
import { loadLeakResponseConfig } from "../../functions/leak-response/leak-response-config.js";
import { loadPollerConfig } from "../../functions/poller/poller-config.js";

const BASE = { CREDVEND_LEDGER_TABLE: "ledger", CREDVEND_ALERT_POLL_WATCH: "acme, acme/web ,acme" };

describe("loadPollerConfig", () => {
  it("reads the owners and repositories to watch, once each, and needs no webhook secret", () => {
    const config = loadPollerConfig({ ...BASE, CREDVEND_GITHUB_APP_ID: "42", CREDVEND_GITHUB_APP_PRIVATE_KEY: "-----BEGIN…" });
    expect(config.watch).toStrictEqual(["acme", "acme/web"]);
    expect(config.githubAuth).toStrictEqual({ kind: "app", appId: "42", privateKey: "-----BEGIN…" });
    expect(config.githubApiUrl).toBe("https://api.github.com");
  });

  it.each([
    { case: "nothing to watch", env: { CREDVEND_LEDGER_TABLE: "l" }, error: "CREDVEND_ALERT_POLL_WATCH is not set" },
    { case: "only commas", env: { ...BASE, CREDVEND_ALERT_POLL_WATCH: " , " }, error: "CREDVEND_ALERT_POLL_WATCH: names no owner" },
    { case: "a glob", env: { ...BASE, CREDVEND_ALERT_POLL_WATCH: "acme/*" }, error: 'CREDVEND_ALERT_POLL_WATCH: "acme/*" is not an owner' },
    { case: "a path", env: { ...BASE, CREDVEND_ALERT_POLL_WATCH: "acme/web/x" }, error: '"acme/web/x" is not an owner' },
    { case: "an App id without its key", env: { ...BASE, CREDVEND_GITHUB_APP_ID: "42" }, error: "CREDVEND_GITHUB_APP_PRIVATE_KEY" },
  ])("$case: a ConfigError naming it", ({ env, error }) => {
    expect(() => loadPollerConfig(env)).toThrow(ConfigError);
    expect(() => loadPollerConfig(env)).toThrow(error);
  });
});

describe("loadLeakResponseConfig (the sweeper)", () => {
  it("starts without any webhook secret, and refuses what every leak-response function refuses", () => {
    expect(loadLeakResponseConfig({ CREDVEND_LEDGER_TABLE: "ledger" })).toMatchObject({ ledgerTable: "ledger", workers: [] });
    expect(() => loadLeakResponseConfig({})).toThrow("CREDVEND_LEDGER_TABLE");
    expect(() => loadLeakResponseConfig({ CREDVEND_LEDGER_TABLE: "l", GITHUB_API_URL: "ftp://x" })).toThrow("GITHUB_API_URL");
  });
});
