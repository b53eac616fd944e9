// The vend function's configuration (functions/adapters/config/function-config.ts), read by the
// SDK's reader: each problem a ConfigError naming its variable, with the messages operators know.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadFunctionConfig } from "../../functions/adapters/config/function-config.js";
import { ConfigError } from "../../plugin-workers/sdk/index.js";

const BASE = { CREDVEND_LEDGER_TABLE: "ledger", CREDVEND_POLICY: '{"version":1}' };

describe("loadFunctionConfig", () => {
  it("reads the compiled policy (JSON) text, or the file CREDVEND_POLICY_FILE names, and defaults the rest", () => {
    const dir = mkdtempSync(join(tmpdir(), "credvend-config-"));
    writeFileSync(join(dir, "policy.json"), '{"version":1}\n');
    expect(loadFunctionConfig(BASE)).toMatchObject({
      ledgerTable: "ledger",
      policyJson: '{"version":1}',
      workers: [],
      workerTimeoutMs: 5000,
      awsRegion: "us-east-1",
    });
    expect(loadFunctionConfig({ CREDVEND_LEDGER_TABLE: "ledger", CREDVEND_POLICY_FILE: join(dir, "policy.json") }).policyJson).toBe(
      '{"version":1}\n',
    );
    expect(loadFunctionConfig(BASE).snsTopicArn).toBeUndefined();
    expect(
      loadFunctionConfig({
        ...BASE,
        CREDVEND_SNS_TOPIC_ARN: "arn:aws:sns:eu-west-1:123456789012:alerts",
        AWS_REGION: "eu-west-1",
        CREDVEND_WORKER_TIMEOUT_MS: "250",
      }),
    ).toMatchObject({
      snsTopicArn: "arn:aws:sns:eu-west-1:123456789012:alerts",
      awsRegion: "eu-west-1",
      workerTimeoutMs: 250,
    });
  });

  it.each([
    { name: "no ledger table", env: { CREDVEND_POLICY: '{"version":1}' }, message: "CREDVEND_LEDGER_TABLE is not set" },
    { name: "no policy at all", env: { CREDVEND_LEDGER_TABLE: "ledger" }, message: "CREDVEND_POLICY_FILE is not set (or CREDVEND_POLICY)" },
    {
      name: "a policy file that cannot be read",
      env: { CREDVEND_LEDGER_TABLE: "ledger", CREDVEND_POLICY_FILE: "/nonexistent/policy.yaml" },
      message: "CREDVEND_POLICY_FILE: cannot read /nonexistent/policy.yaml (ENOENT)",
    },
    {
      name: "a worker timeout out of range",
      env: { ...BASE, CREDVEND_WORKER_TIMEOUT_MS: "99" },
      message: "CREDVEND_WORKER_TIMEOUT_MS: must be a whole number of milliseconds from 100 to 60000",
    },
    {
      name: "a worker timeout that is not a number",
      env: { ...BASE, CREDVEND_WORKER_TIMEOUT_MS: "5s" },
      message: "CREDVEND_WORKER_TIMEOUT_MS: must be a whole number of milliseconds from 100 to 60000",
    },
    { name: "workers that are not JSON", env: { ...BASE, CREDVEND_WORKERS: "[" }, message: "CREDVEND_WORKERS: not valid JSON" },
    {
      name: "a worker without a URL",
      env: { ...BASE, CREDVEND_WORKERS: '[{"name":"w","providers":["p"]}]' },
      message: "CREDVEND_WORKERS[0].url: must be an http(s) URL",
    },
    {
      name: "trusted keys that are not JSON",
      env: { ...BASE, CREDVEND_TRUSTED_KEYS: "{" },
      message: "CREDVEND_TRUSTED_KEYS: not valid JSON",
    },
  ])("$name: $message", ({ env, message }) => {
    expect(() => loadFunctionConfig(env)).toThrow(new ConfigError(message));
  });
});
