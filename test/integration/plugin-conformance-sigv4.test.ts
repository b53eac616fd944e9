// `credvend plugin conformance --sigv4`: the kit against a deployed worker, a Function URL with
// AWS_IAM auth, every call SigV4-signed with the environment's AWS credentials. Here the Function
// URL is a loopback stand-in that checks signatures with @smithy/signature-v4 and refuses what a
// real one refuses (403), in front of the TypeScript template's Lambda handler and the Python
// example's unpacked zip: the signed calls pass; the unsigned one and the one signed with a wrong
// secret key are refused by the URL, before the worker; a URL that does not check signatures fails.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CliError } from "../../cli/cli-error.js";
import { sigV4FromEnvironment } from "../../cli/conformance/aws-environment.js";
import { runConformance } from "../../cli/conformance/run-conformance.js";
import { buildWorker } from "../../infra/build-workers.js";
import { parseScope } from "../../plugin-protocol/scope.js";
import { servePlugin } from "../../plugin-workers/sdk/serve-plugin.js";
import { createWorker } from "../../plugin-workers/template/worker.js";
import { runCli } from "../support/capture-output.js";
import { failures, verdicts } from "../support/conformance-kit.js";
import { type FunctionUrlEmulator, type LambdaAnswer, startFunctionUrlEmulator } from "../support/function-url-emulator.js";
import { startPythonLambda } from "../support/python-lambda-process.js";
import { VEND_ROLE_ARN, VEND_SESSION_ARN } from "../unit/plugin-sdk-lambda-fetch.js";

const REGION = "eu-west-1";
const KEYS = {
  accessKeyId: "ASIACONFORMANCE0001",
  secretAccessKey: randomBytes(30).toString("base64"),
  sessionToken: randomBytes(60).toString("base64"),
};
const PRINCIPALS = new Map([
  [KEYS.accessKeyId, { secretAccessKey: KEYS.secretAccessKey, sessionToken: KEYS.sessionToken, arn: VEND_SESSION_ARN }],
]);
const quiet = { onCallerRefused: () => undefined, onError: () => undefined };
const emulators: FunctionUrlEmulator[] = [];
afterAll(async () => {
  await Promise.all(emulators.map((e) => e.close()));
});

async function behindFunctionUrl(handler: (event: unknown) => Promise<LambdaAnswer>, checkSignatures = true): Promise<FunctionUrlEmulator> {
  const emulator = await startFunctionUrlEmulator({ region: REGION, principals: PRINCIPALS, handler, checkSignatures });
  emulators.push(emulator);
  return emulator;
}

function templateHandler(): (event: unknown) => Promise<LambdaAnswer> {
  const { handler } = servePlugin(createWorker(), { allowedCallers: [VEND_ROLE_ARN], ...quiet });
  return (event) => handler(event as Parameters<typeof handler>[0]) as Promise<LambdaAnswer>;
}

function sigv4Run(url: string, scope: string) {
  return runConformance(
    { url, sigv4: { region: REGION, credentials: KEYS }, scopes: [parseScope(scope)], ttlSeconds: 900, timeoutMs: 5000 },
    () => undefined,
  );
}

describe("conformance --sigv4 against a Function URL with AWS_IAM auth", () => {
  it("the template's Lambda handler passes: signed calls answered, unsigned and wrongly signed ones refused by the URL", async () => {
    const url = await behindFunctionUrl(templateHandler());
    const results = await sigv4Run(url.url, "tmpl:read:reports");
    expect(failures(results)).toEqual([]);
    expect(verdicts(results)).toMatchObject({ describe: "pass", vend: "pass", deadlines: "pass", "no-secrets": "pass" });
    const reasons = Object.fromEntries(results.map((r) => [r.check, r.reason]));
    expect(reasons["caller-missing"]).toBe("an unsigned call refused (HTTP 403, no gRPC status)");
    expect(reasons["caller-wrong"]).toBe("a call signed with a wrong secret key refused (HTTP 403, no gRPC status)");
    // The URL refused exactly those two (the oversize frame got its 413); every other call was signed right.
    expect(url.refusals).toEqual(["no signature", "signature mismatch"]);
    expect(JSON.stringify(results)).not.toContain(KEYS.secretAccessKey);
  });

  it("a Function URL that does not check signatures fails caller-wrong (the worker alone refuses the unsigned call)", async () => {
    const url = await behindFunctionUrl(templateHandler(), false);
    const failed = failures(await sigv4Run(url.url, "tmpl:read:reports"));
    expect(failed).toEqual(["caller-wrong: a call signed with a wrong secret key was answered: the worker takes calls from anyone"]);
  });

  const PYTHON = process.env.CREDVEND_PYTHON ?? "/usr/bin/python3";
  const probe = spawnSync(PYTHON, ["-c", "import google.protobuf"], { encoding: "utf8" });
  const missing = probe.error ? `${PYTHON} not found` : probe.status !== 0 ? "python3-protobuf is not installed" : undefined;
  const skip = missing !== undefined && process.env.CREDVEND_REQUIRE_PYTHON_WORKER !== "1";
  it.skipIf(skip)(
    `the Python example's zip, unpacked as Lambda runs it, passes${skip ? ` (skipped: ${missing})` : ""}`,
    async () => {
      const tmp = mkdtempSync(join(tmpdir(), "credvend-sigv4-python-"));
      const built = await buildWorker(join(import.meta.dirname, "../../plugin-workers/python-example"), join(tmp, "dist"));
      const unzip = spawnSync(PYTHON, ["-I", "-S", "-m", "zipfile", "-e", built.zipPath, join(tmp, "task")], { encoding: "utf8" });
      expect(unzip.status, unzip.stderr).toBe(0);
      const lambda = await startPythonLambda(PYTHON, join(tmp, "task"), {
        PATH: "/usr/bin:/bin",
        CREDVEND_ALLOWED_CALLERS: JSON.stringify([VEND_ROLE_ARN]),
      });
      try {
        const url = await behindFunctionUrl((event) => lambda.invoke(event));
        const results = await sigv4Run(url.url, "pyex:read:Reports");
        expect(failures(results)).toEqual([]);
        expect(verdicts(results)).toMatchObject({ describe: "pass", vend: "pass", "caller-missing": "pass", "caller-wrong": "pass" });
        expect(url.refusals).toEqual(["no signature", "signature mismatch"]);
      } finally {
        lambda.close();
        rmSync(tmp, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

describe("credvend plugin conformance --sigv4 (the command)", () => {
  it("signs with the environment's credentials and prints the region; exit 0", async () => {
    const url = await behindFunctionUrl(templateHandler());
    const env = { AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey, AWS_SESSION_TOKEN: KEYS.sessionToken };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const run = await runCli(["plugin", "conformance", "--url", url.url, "--sigv4", "--region", REGION, "--scope", "tmpl:read:reports"]);
      expect(run.code, run.out).toBe(0);
      expect(run.out).toContain(`conformance of ${url.url} (SigV4, lambda, ${REGION})`);
      expect(run.out).toMatch(/^PASS caller-wrong: a call signed with a wrong secret key refused \(HTTP 403/m);
      expect(run.out).not.toContain(KEYS.secretAccessKey);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it("is a usage error (2) without credentials or a region, or with a caller secret beside it", async () => {
    const url = "https://abcdefgh.lambda-url.eu-central-1.on.aws";
    expect(() => sigV4FromEnvironment(url, undefined, {})).toThrow(CliError);
    expect(() => sigV4FromEnvironment("http://127.0.0.1:9400", undefined, { AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" })).toThrow(
      "--sigv4: give --region",
    );
    // The URL names its region; the environment's wins over it, --region over both.
    const keys = { AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" };
    expect(sigV4FromEnvironment(url, undefined, keys).region).toBe("eu-central-1");
    expect(sigV4FromEnvironment(url, undefined, { ...keys, AWS_REGION: "us-east-2" }).region).toBe("us-east-2");
    expect(sigV4FromEnvironment(url, "ap-southeast-2", { ...keys, AWS_REGION: "us-east-2" }).region).toBe("ap-southeast-2");
    expect(() => sigV4FromEnvironment(url, "not a region", keys)).toThrow('--region: "not a region" is not an AWS region');
    const both = await runCli(["plugin", "conformance", "--url", url, "--sigv4", "--region", REGION, "--caller-secret", "x".repeat(20)]);
    expect(both.code).toBe(2);
    const regionAlone = await runCli(["plugin", "conformance", "--url", url, "--region", REGION]);
    expect(regionAlone.code).toBe(2);
    expect(regionAlone.err).toContain("--region goes with --sigv4");
  });
});
