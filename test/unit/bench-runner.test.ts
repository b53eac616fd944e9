// `npm run bench` on a fresh clone (regression): without the DynamoDB Local jar the vend-function
// part fell back to dynalite, which has no TransactWriteItems; it died with 503
// ledger_unavailable, no later table printed, and the label blamed "no Java". Now DynamoDB Local is
// fetched on first use or the part is skipped with the command that makes it run, each skip says
// its true reason, and one failing part never stops the others.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type DynamoDbLocalNeeds, dynamoDbLocalForBench, FETCH_COMMAND } from "../bench/bench-dynamodb-local.js";
import { runBenchParts } from "../bench/bench-parts.js";
import { benchVendFunction } from "../bench/vend-function-bench.js";
import { onPath } from "../support/watched-process.js";

describe("bench parts (regression: one failing bench part hid every later table)", () => {
  it("a part that throws is reported by name and every later part still runs", async () => {
    const ran: string[] = [];
    const lines: string[] = [];
    const failed = await runBenchParts(
      [
        { name: "first", run: async () => void ran.push("first") },
        { name: "the vend function as deployed", run: async () => Promise.reject(new Error("vend answered 503: ledger_unavailable")) },
        { name: "third", run: async () => void ran.push("third") },
      ],
      (line) => lines.push(line),
    );
    expect(ran).toEqual(["first", "third"]);
    expect(failed).toEqual(["the vend function as deployed"]);
    expect(lines.join("\n")).toContain("the vend function as deployed — failed: vend answered 503: ledger_unavailable");
    expect(lines.at(-1)).toContain("1 of 3 part(s) failed (the vend function as deployed)");
  });

  it("all parts passing: nothing reported", async () => {
    const lines: string[] = [];
    expect(await runBenchParts([{ name: "only", run: async () => undefined }], (line) => lines.push(line))).toEqual([]);
    expect(lines).toEqual([]);
  });
});

describe("DynamoDB Local for the bench: fetched, or skipped with its true reason and the command", () => {
  const started = { endpoint: "http://127.0.0.1:1", close: async () => undefined };
  function needs(overrides: Partial<DynamoDbLocalNeeds>) {
    const calls: string[] = [];
    const value: DynamoDbLocalNeeds = {
      javaOnPath: () => true,
      jarPresent: () => true,
      fetch: async () => void calls.push("fetch"),
      start: async () => {
        calls.push("start");
        return started;
      },
      log: () => undefined,
      ...overrides,
    };
    return { value, calls };
  }

  it("jar present: started, nothing fetched", async () => {
    const { value, calls } = needs({});
    expect(await dynamoDbLocalForBench(value)).toBe(started);
    expect(calls).toEqual(["start"]);
  });

  it("jar missing (a fresh clone): fetched, then started", async () => {
    const { value, calls } = needs({ jarPresent: () => false });
    expect(await dynamoDbLocalForBench(value)).toBe(started);
    expect(calls).toEqual(["fetch", "start"]);
  });

  it("jar missing and the fetch fails: skipped, saying why and the exact command, not blaming Java", async () => {
    const { value, calls } = needs({ jarPresent: () => false, fetch: async () => Promise.reject(new Error("npm pack: ECONNREFUSED")) });
    const result = await dynamoDbLocalForBench(value);
    expect(result).toEqual({
      skipped: `DynamoDB Local could not be fetched (npm pack: ECONNREFUSED): run \`${FETCH_COMMAND}\`, then \`npm run bench\``,
    });
    expect(calls).toEqual([]);
  });

  it("no Java: skipped saying so and what to install; nothing fetched (a jar is no use without it)", async () => {
    const { value, calls } = needs({ javaOnPath: () => false, jarPresent: () => false });
    const result = await dynamoDbLocalForBench(value);
    expect(result).toEqual({
      skipped: expect.stringMatching(/^java is not on PATH .*apt-get install default-jre-headless\), then `npm run bench`$/),
    });
    expect(calls).toEqual([]);
  });
});

describe.skipIf(!onPath("java"))("the vend-function part on a fresh clone whose fetch fails (real fetch script, empty jar folder)", () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("prints its skip with the command instead of crashing (regression: 503 ledger_unavailable on dynalite)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "credvend-bench-ddb-"));
    dirs.push(dir);
    vi.stubEnv("CREDVEND_DYNAMODB_LOCAL_DIR", join(dir, "dynamodb-local"));
    // npm with nowhere to fetch from: an empty cache and a registry that refuses connections.
    vi.stubEnv("npm_config_cache", join(dir, "npm-cache"));
    vi.stubEnv("npm_config_registry", "http://127.0.0.1:9/");
    vi.stubEnv("npm_config_fetch_retries", "0");
    vi.stubEnv("CREDVEND_REQUIRE_DYNAMODB_LOCAL", "");
    const printed: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void printed.push(String(line)));
    await benchVendFunction();
    const output = printed.join("\n");
    expect(output).toContain(`fetching it (${FETCH_COMMAND}`);
    expect(output).toMatch(
      new RegExp(
        `The vend function as deployed — skipped: DynamoDB Local could not be fetched \\(.+\\): run \`${FETCH_COMMAND}\`, then \`npm run bench\``,
      ),
    );
    expect(output).not.toContain("dynalite");
  }, 60_000);
});
