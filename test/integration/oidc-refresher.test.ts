// The OIDC token refresher in this process against a local stand-in for the Actions token
// endpoint: it replaces the file atomically with each new token, leaves it alone while requests
// fail, stops when its file is removed, and gives up once the last token is long expired.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOidcRefresher } from "../../cli/oidc-refresher.js";
import { createTokenDir, tokenFileIn, writeTokenFile } from "../../cli/oidc-token-file.js";
import { startFakeActionsOidc, type FakeActionsOidc } from "../support/fake-actions-oidc.js";

/** A JWT-shaped token expiring `seconds` from now (the refresher reads `exp` only to schedule). */
const tokenExpiringIn = (seconds: number) =>
  `e30.${Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + seconds, n: Math.random() })).toString("base64url")}.sig`;

let oidc: FakeActionsOidc;
const served: string[] = [];
beforeAll(async () => {
  oidc = await startFakeActionsOidc({
    token: async () => {
      served.push(tokenExpiringIn(2));
      return served.at(-1)!;
    },
  });
});
afterAll(async () => oidc?.close());

function refresher(dir: string) {
  const log: string[] = [];
  const controller = new AbortController();
  const done = runOidcRefresher({
    dir,
    audience: "credvend",
    env: { ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken },
    log: (line) => log.push(line),
    signal: controller.signal,
  });
  return { log, done, stop: () => controller.abort() };
}

const newDir = () => createTokenDir(mkdtempSync(join(tmpdir(), "credvend-refresher-")));

describe("runOidcRefresher", () => {
  it("writes each new token over the file, at half the current one's life, until stopped", async () => {
    const dir = newDir();
    writeTokenFile(dir, tokenExpiringIn(2));
    const run = refresher(dir);
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    run.stop();
    await run.done;
    expect(served.length).toBeGreaterThanOrEqual(2);
    expect(readFileSync(tokenFileIn(dir), "utf8")).toBe(served.at(-1));
    expect(oidc.audiences.at(-1)).toBe("credvend");
    expect(run.log).toEqual([]);
  });

  it("keeps the current token while requests fail, logging why (never a token)", async () => {
    const dir = newDir();
    const current = tokenExpiringIn(3);
    writeTokenFile(dir, current);
    oidc.failWith = 503;
    const run = refresher(dir);
    try {
      await new Promise((resolve) => setTimeout(resolve, 2_800));
    } finally {
      run.stop();
      oidc.failWith = undefined;
    }
    await run.done;
    expect(readFileSync(tokenFileIn(dir), "utf8")).toBe(current);
    expect(run.log.length).toBeGreaterThanOrEqual(1);
    for (const line of run.log) {
      expect(line).toMatch(
        /^OIDC token refresh failed: the Actions OIDC endpoint answered 503; retrying in \ds; the current token (expires in \ds|expired \ds ago)$/,
      );
    }
    expect(run.log.join("\n")).not.toContain(current);
  });

  it("stops within a second or so when its token file is removed", async () => {
    const dir = newDir();
    writeTokenFile(dir, tokenExpiringIn(600));
    const run = refresher(dir);
    const started = Date.now();
    rmSync(dir, { recursive: true });
    await run.done;
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it("gives up when every request fails long after the last token expired (the job is over)", async () => {
    const dir = newDir();
    writeTokenFile(dir, tokenExpiringIn(-2 * 60 * 60));
    oidc.failWith = 401;
    try {
      const run = refresher(dir);
      await run.done;
      expect(run.log).toEqual([
        "OIDC token refresh failed: the Actions OIDC endpoint answered 401; giving up: no token since the last one expired 120 minutes ago",
      ]);
    } finally {
      oidc.failWith = undefined;
    }
  });
});
