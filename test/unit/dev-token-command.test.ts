// `credvend dev token`: two tokens of one workflow run (--run-id, --run-attempt), any other claim
// (--claim key=value), and never a claim the issuer owns.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/capture-output.js";

describe("credvend dev token", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "credvend-dev-token-"));
  const mint = (...args: string[]) => runCli(["dev", "token", "--repository", "acme/web", "--data-dir", dataDir, ...args]);

  it("dev token could not make two tokens of the same run: --run-id and --run-attempt set run_id and run_attempt", async () => {
    const first = await mint("--run-id", "4242", "--run-attempt", "1");
    const second = await mint("--run-id", "4242", "--run-attempt", "2");
    expect([first.code, second.code]).toEqual([0, 0]);
    const [a, b] = [decodeJwt(first.out.trim()), decodeJwt(second.out.trim())];
    expect(a).toMatchObject({ run_id: "4242", run_attempt: "1", repository: "acme/web" });
    expect(b).toMatchObject({ run_id: "4242", run_attempt: "2", repository: "acme/web" });
    expect(a.jti).not.toBe(b.jti);
  });

  it("without --run-id every token is another run", async () => {
    const [a, b] = [decodeJwt((await mint()).out.trim()), decodeJwt((await mint()).out.trim())];
    expect(a.run_id).not.toBe(b.run_id);
  });

  it("--claim key=value, repeatable, sets string claims (the value may hold '=')", async () => {
    const run = await mint("--claim", "event_name=pull_request", "--claim", "sub=repo:acme/web:pull_request", "--claim", "x=a=b");
    expect(run.code).toBe(0);
    expect(decodeJwt(run.out.trim())).toMatchObject({ event_name: "pull_request", sub: "repo:acme/web:pull_request", x: "a=b" });
  });

  const refused: { argv: string[]; message: string }[] = [
    ...["iss", "aud", "exp", "iat", "nbf", "jti"].map((claim) => ({
      argv: ["--claim", `${claim}=1`],
      message: `${claim} is set by the issuer`,
    })),
    { argv: ["--claim", "audience=x"], message: "audience is set by the issuer" },
    { argv: ["--claim", "repository=evil/repo"], message: "repository has its own option: use --repository" },
    { argv: ["--claim", "run_id=1"], message: "use --run-id" },
    { argv: ["--claim", "novalue"], message: '"novalue" is not key=value' },
    { argv: ["--claim", "=x"], message: '"=x" is not key=value' },
    { argv: ["--claim", "a=1", "--claim", "a=2"], message: "a given twice" },
    { argv: ["--run-id", "12abc"], message: '--run-id: "12abc" is not a run id' },
    { argv: ["--run-attempt", "0"], message: '--run-attempt: "0" is not an attempt number' },
  ];
  for (const { argv, message } of refused) {
    it(`refuses ${argv.join(" ")}: usage error (exit 2), no token`, async () => {
      const run = await mint(...argv);
      expect(run.code).toBe(2);
      expect(run.err).toContain(message);
      expect(run.out).toBe("");
    });
  }
});
