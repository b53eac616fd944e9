// credvend.workers.json (the code asset's worker descriptions) merged into CREDVEND_WORKERS: every
// way the two can disagree is a configuration error naming the variable, never a silent choice.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { workersOf } from "../../functions/adapters/config/function-config.js";

const dir = mkdtempSync(join(tmpdir(), "credvend-workers-file-"));
function file(content: string): string {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, content);
  return path;
}
const deployed = JSON.stringify([{ name: "acme", url: "https://acme.lambda-url.eu-west-1.on.aws/", functionName: "credvend-acme" }]);
const signed = { manifest: { name: "acme" }, signature: "AAAA" };

describe("CREDVEND_WORKER_MANIFESTS_FILE", () => {
  it("completes each registration by name: providers, allowUnsigned, manifest and signature", () => {
    const path = file(JSON.stringify({ acme: { providers: ["acme"], allowUnsigned: false, ...signed } }));
    expect(workersOf({ CREDVEND_WORKERS: deployed, CREDVEND_WORKER_MANIFESTS_FILE: path })).toEqual([
      {
        name: "acme",
        url: "https://acme.lambda-url.eu-west-1.on.aws/",
        providers: ["acme"],
        functionName: "credvend-acme",
        allowUnsigned: false,
        signed: { manifest: signed.manifest, signature: "AAAA" },
      },
    ]);
  });

  it("without the variable, CREDVEND_WORKERS is read alone (the local stack's inline form)", () => {
    const inline = JSON.stringify([{ name: "acme", url: "http://127.0.0.1:1/", providers: ["acme"], allowUnsigned: true }]);
    expect(workersOf({ CREDVEND_WORKERS: inline })).toMatchObject([{ name: "acme", allowUnsigned: true }]);
  });

  it.each([
    {
      name: "a missing file",
      path: () => join(dir, "none.json"),
      message: /CREDVEND_WORKER_MANIFESTS_FILE: cannot read .*none\.json \(ENOENT\)/,
    },
    { name: "not JSON", path: () => file("{"), message: /CREDVEND_WORKER_MANIFESTS_FILE: .* is not valid JSON/ },
    { name: "not an object", path: () => file("[]"), message: /must be a JSON object by worker name/ },
    {
      name: "a worker CREDVEND_WORKERS does not list",
      path: () => file(JSON.stringify({ acme: { providers: ["acme"] }, other: { providers: ["x"] } })),
      message: /describes other, which CREDVEND_WORKERS does not list/,
    },
    {
      name: "an unknown field",
      path: () => file(JSON.stringify({ acme: { providers: ["acme"], url: "x" } })),
      message: /acme must be an object of providers/,
    },
  ])("refuses $name", ({ path, message }) => {
    expect(() => workersOf({ CREDVEND_WORKERS: deployed, CREDVEND_WORKER_MANIFESTS_FILE: path() })).toThrow(message);
  });

  it("refuses a field given in both places", () => {
    const both = JSON.stringify([{ name: "acme", url: "https://a/", functionName: "f", providers: ["acme"] }]);
    const path = file(JSON.stringify({ acme: { providers: ["acme"] } }));
    expect(() => workersOf({ CREDVEND_WORKERS: both, CREDVEND_WORKER_MANIFESTS_FILE: path })).toThrow(
      /CREDVEND_WORKERS\[0\]\.providers: also in .*; keep one/,
    );
  });

  it("a signed manifest from the file still needs the function name to check the deployed code", () => {
    const noFunction = JSON.stringify([{ name: "acme", url: "https://a/" }]);
    const path = file(JSON.stringify({ acme: { providers: ["acme"], ...signed } }));
    expect(() => workersOf({ CREDVEND_WORKERS: noFunction, CREDVEND_WORKER_MANIFESTS_FILE: path })).toThrow(/needs "functionName"/);
  });
});
