// The README's quick start as a user runs it: `credvend dev` in a child process, a dev token from
// `credvend dev token`, a vend, the banner's GitHub vend and a 403 over HTTP, then Ctrl-C (SIGINT)
// stops everything.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const BIN = new URL("../../cli/bin.js", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;

describe("README quick start", () => {
  it("credvend dev + dev token: an allowed vend, a 403, and a clean stop", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "credvend-cli-"));
    const child = spawn(process.execPath, [BIN, "dev", "--port", "0", "--data-dir", dataDir], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner after 20 s:\n${output}`)), 20_000);
        child.stdout.on("data", () => {
          const match = /vend API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
      });
      expect(output).toContain("credvend dev token --repository acme/web --ref refs/heads/main");

      const { stdout } = await run(
        process.execPath,
        [BIN, "dev", "token", "--data-dir", dataDir, "--repository", "acme/web", "--ref", "refs/heads/main"],
        { cwd: ROOT },
      );
      const token = stdout.trim();
      expect(token.split(".")).toHaveLength(3);

      const request = (scopes: string[]) =>
        fetch(`${url}/v1/vend`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ scopes, ttlSeconds: 600 }),
        });
      const allowed = await request(["local:read:billing"]);
      expect(allowed.status).toBe(200);
      const vended = (await allowed.json()) as { credential: { token: string } };
      expect(vended.credential.token).toMatch(/^cvd_/);
      const denied = await request(["local:admin:billing"]);
      expect(denied.status).toBe(403);

      // The banner's GitHub example, as printed: a ghs_ token from the dev GitHub stand-in.
      const githubBody = /-d '(\{"scopes":\["github:[^']*)'/.exec(output)?.[1];
      expect(githubBody).toBeDefined();
      const github = await fetch(`${url}/v1/vend`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: githubBody!,
      });
      expect(github.status).toBe(200);
      const githubToken = ((await github.json()) as { credential: { token: string } }).credential.token;
      expect(githubToken).toMatch(/^ghs_/);

      child.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(output).toContain("stopped.");
      // Secrets stay out of the logs.
      expect(output).not.toContain(token);
      expect(output).not.toContain(vended.credential.token);
      expect(output).not.toContain(githubToken);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 60_000);

  it("dev token without --repository fails with a clear message and exit code 2", async () => {
    const failure = await run(process.execPath, [BIN, "dev", "token"], { cwd: ROOT }).catch((err: { code: number; stderr: string }) => err);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain("--repository is required");
  });
});
