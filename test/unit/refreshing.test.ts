// The SDK's refreshing value: read at start (a failure is the caller's), again once its TTL has
// passed, one read at a time; a failed refresh keeps the previous value.
import { describe, expect, it } from "vitest";
import { Refreshing, SECRET_TTL_MS } from "../../plugin-workers/sdk/index.js";

function source(...values: (string | Error)[]) {
  let reads = 0;
  const load = async () => {
    const value = values[Math.min(reads++, values.length - 1)]!;
    if (value instanceof Error) throw value;
    return value;
  };
  return { load, reads: () => reads };
}

describe("Refreshing", () => {
  it("reuses a value for its TTL (five minutes by default), then reads again", async () => {
    let now = 0;
    const { load, reads } = source("first", "second");
    const value = await Refreshing.start(load, { clock: { now: () => new Date(now) } });
    now = SECRET_TTL_MS - 1;
    expect(await value.current()).toBe("first");
    now = SECRET_TTL_MS;
    expect(await value.current()).toBe("second");
    expect(reads()).toBe(2);
  });

  it("a value with a TTL of 0 is read again on every call, and concurrent calls share one read", async () => {
    const { load, reads } = source("unset", "unset", "set");
    const value = await Refreshing.start(load, { ttlMs: (v) => (v === "unset" ? 0 : SECRET_TTL_MS) });
    expect(await Promise.all([value.current(), value.current()])).toEqual(["unset", "unset"]);
    expect(await value.current()).toBe("set");
    expect(await value.current()).toBe("set");
    expect(reads()).toBe(3);
  });

  it("a failed first read fails the start; a failed refresh keeps the previous value and is reported", async () => {
    await expect(Refreshing.start(source(new Error("denied")).load)).rejects.toThrow("denied");
    const errors: unknown[] = [];
    const value = await Refreshing.start(source("good", new Error("throttled")).load, {
      ttlMs: () => 0,
      onRefreshError: (e) => errors.push(e),
    });
    expect(await value.current()).toBe("good");
    expect(errors).toEqual([new Error("throttled")]);
  });
});
