// A worker in Python deployed like any signed worker: its zip (the SDK vendored) is deployed
// unchanged on the Lambda Python runtime named in the deployment config, with the signed handler,
// and the core gets the manifest whose codeSha256 is that zip's (the code-hash binding).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Match, Template } from "aws-cdk-lib/assertions";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { codeSha256Of } from "../../functions/adapters/plugins/file-code-hash.js";
import { signBuiltWorker } from "../../cli/sign-worker.js";
import { buildCredvendApp } from "../../infra/app.js";
import { buildWorker } from "../../infra/build-workers.js";
import { DeploymentConfigError, loadDeploymentConfig } from "../../infra/config/load-config.js";
import { REPO_ROOT } from "../../infra/paths.js";
import { LAMBDA_PYTHON_RUNTIME } from "../../infra/constructs/function-defaults.js";
import { fullConfig, PUBLISHER, writeConfig } from "./infra-fixture.js";

const PYTHON_WORKER = {
  name: "python-example",
  kind: "custom",
  providers: ["pyex"],
  package: { zip: "python-example/code.zip", handler: "lambda_function.handler", runtime: "python" },
} as const;

async function configWithPythonWorker(pkg: Record<string, unknown> = PYTHON_WORKER.package) {
  const config = fullConfig();
  const folder = await writeConfig({ ...config, workers: [...config.workers, { ...PYTHON_WORKER, package: pkg }] });
  const built = await buildWorker(join(REPO_ROOT, "plugin-workers/python-example"), folder.dir);
  await signBuiltWorker(built.outDir, PUBLISHER);
  return { folder, zip: readFileSync(built.zipPath) };
}

describe("a Python worker in the deployment config", () => {
  it("synthesizes as a Lambda on the Python runtime with the signed handler, and the core gets its code hash", async () => {
    const { folder, zip } = await configWithPythonWorker();
    const { stack } = await buildCredvendApp(folder.path, {
      context: { "aws:cdk:bundling-stacks": [] },
      outdir: mkdtempSync(join(tmpdir(), "credvend-cdk-out-")),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Runtime: LAMBDA_PYTHON_RUNTIME.name,
      Handler: "lambda_function.handler",
      Environment: { Variables: { CREDVEND_ALLOWED_CALLERS: Match.anyValue() } },
    });
    // The registration the core verifies before the first call (shipped in the functions' code as
    // credvend.workers.json): the manifest's codeSha256 is the deployed zip's.
    const synthesized = readFileSync(stack.workerManifests.from, "utf8");
    const manifest = JSON.parse(readFileSync(join(folder.dir, "python-example/manifest.json"), "utf8")) as Record<string, unknown>;
    expect(manifest).toMatchObject({ runtime: "python", handler: "lambda_function.handler", codeSha256: codeSha256Of(zip) });
    expect(synthesized).toContain(String(manifest.codeSha256));
  }, 120_000);

  it("without package.runtime it would run on Node: synth refuses it, saying what to set", async () => {
    const { folder } = await configWithPythonWorker({ zip: "python-example/code.zip", handler: "lambda_function.handler" });
    const problems = await loadDeploymentConfig(folder.path).then(
      () => [],
      (error: unknown) => (error instanceof DeploymentConfigError ? [...error.problems] : Promise.reject(error)),
    );
    expect(problems).toEqual([
      'workers[3].package: the core would refuse this worker: configuration_mismatch: runtime "nodejs24.x" is not the signed "python" (this stack deploys workers on nodejs24.x; a Python worker sets package.runtime: python)',
    ]);
  });
});
