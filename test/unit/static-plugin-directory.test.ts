import { describe, expect, it } from "vitest";
import { StaticPluginDirectory } from "../support/static-plugin-directory.js";
import type { PluginClient } from "../../functions/core/ports/plugin-client.js";

function fakeClient(name: string): PluginClient {
  const fail = () => Promise.reject(new Error("not used"));
  return { name, describe: fail, prepare: fail, vend: fail, revoke: fail };
}

describe("StaticPluginDirectory", () => {
  it("finds the worker for a provider and lists the providers", async () => {
    const aws = fakeClient("aws-sts");
    const local = fakeClient("local-tokens");
    const directory = new StaticPluginDirectory([
      { client: local, providers: ["local"] },
      { client: aws, providers: ["aws"] },
    ]);
    expect(await directory.forProvider("aws")).toBe(aws);
    expect(await directory.forProvider("local")).toBe(local);
    expect(await directory.forProvider("gcp")).toBeUndefined();
    expect(directory.providers()).toEqual(["aws", "local"]);
  });

  it("refuses two workers for one provider", () => {
    expect(
      () =>
        new StaticPluginDirectory([
          { client: fakeClient("one"), providers: ["aws"] },
          { client: fakeClient("two"), providers: ["aws"] },
        ]),
    ).toThrow(/both one and two/);
  });
});
