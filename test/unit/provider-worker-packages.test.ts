// The signed manifest is built from plugin.json: it must say what Describe says, or the core
// refuses the worker at verification.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readWorkerPackage, workerDirs } from "../../infra/build-workers.js";
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
