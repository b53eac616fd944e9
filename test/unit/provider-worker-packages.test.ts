// The signed manifest is built from plugin.json: it must say what Describe says, and allow the
// variables the stack gives the worker, or the core refuses the worker at verification.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readWorkerPackage, workerDirs } from "../../infra/build-workers.js";
import { EVERY_WORKER_ENVIRONMENT, KIND_ENVIRONMENT } from "../../infra/config/worker-environment.js";
import { LAMBDA_RUNTIME } from "../../infra/constructs/function-defaults.js";
import { runtimeMatches } from "../../functions/core/plugin-trust/worker-configuration.js";
import { createAwsStsWorker } from "../../plugin-workers/aws-sts/worker.js";
import { createGitHubWorker } from "../../plugin-workers/github/worker.js";
import { describePlugin, type PluginImplementation } from "../../plugin-workers/sdk/index.js";

const workers: [string, PluginImplementation][] = [
  ["aws-sts", createAwsStsWorker({ config: { roles: {}, maxSessionSeconds: 3600, region: "*" } })],
  ["github", createGitHubWorker({})],
];

describe("provider workers' plugin.json", () => {
  it.each(workers)("%s: plugin.json says what Describe says", (name, worker) => {
    const info = readWorkerPackage(fileURLToPath(new URL(`../../plugin-workers/${name}`, import.meta.url)));
    const described = describePlugin(worker);
    expect({ name: info.name, version: info.version, providers: info.providers, capabilities: [...info.capabilities].sort() }).toEqual({
      name: described.name,
      version: described.version,
      providers: described.providers,
      capabilities: [...described.capabilities].sort(),
    });
    expect(workerDirs().map((d) => d.split("/").at(-1))).toContain(name);
  });
});

describe("plugin.json binds how Lambda runs each worker", () => {
  const kinds = [
    ["local-tokens", KIND_ENVIRONMENT["local-tokens"]],
    ["aws-sts", KIND_ENVIRONMENT["aws-sts"]],
    ["github", KIND_ENVIRONMENT.github],
    ["template", KIND_ENVIRONMENT.custom],
  ] as const;
  it.each(kinds)("%s: handler index.handler, a runtime the stack deploys, and exactly the variables its kind gets", (name, names) => {
    const info = readWorkerPackage(fileURLToPath(new URL(`../../plugin-workers/${name}`, import.meta.url)));
    expect(info.handler).toBe("index.handler");
    expect(runtimeMatches(info.runtime, LAMBDA_RUNTIME.name)).toBe(true);
    expect([...info.environment].sort()).toEqual([...EVERY_WORKER_ENVIRONMENT, ...names].sort());
  });

  it("python-example is signed for the python runtime, with the variables every worker gets (its SDK checks the caller)", () => {
    const info = readWorkerPackage(fileURLToPath(new URL("../../plugin-workers/python-example", import.meta.url)));
    expect({ runtime: info.runtime, environment: info.environment }).toEqual({
      runtime: "python",
      environment: [...EVERY_WORKER_ENVIRONMENT],
    });
  });
});
