import { describe, expect, it } from "vitest";
import { StageTimer } from "../../functions/core/timing/stage-timer.js";
import { timedWorker } from "../../functions/core/timing/timed-worker.js";
import type { PluginClient } from "../../functions/core/ports/plugin-client.js";

/** A clock the test moves: each stage "takes" exactly what the test says. */
function steppedClock(): { now: () => number; advance: (ms: number) => Promise<void> } {
  let t = 1000;
  return {
    now: () => t,
    advance: async (ms) => {
      t += ms;
    },
  };
}

describe("StageTimer", () => {
  it("a stage inside another counts for itself only: no millisecond twice, stages within the total", async () => {
    const clock = steppedClock();
    const timer = new StageTimer(clock.now);
    await clock.advance(1); // before any stage: in the total only
    await timer.time("policy", async () => {
      await clock.advance(2);
      await timer.time("ledger", () => clock.advance(5));
      await clock.advance(3);
    });
    expect(timer.finish()).toEqual([
      { name: "policy", ms: 5 },
      { name: "ledger", ms: 5 },
      { name: "total", ms: 11 },
    ]);
  });

  it("a stage run twice adds up; a failing stage is counted and its error passes through", async () => {
    const clock = steppedClock();
    const timer = new StageTimer(clock.now);
    await timer.time("policy", () => clock.advance(2));
    await expect(
      timer.time("policy", async () => {
        await clock.advance(4);
        throw new Error("denied");
      }),
    ).rejects.toThrow("denied");
    expect(timer.finish()).toEqual([
      { name: "policy", ms: 6 },
      { name: "total", ms: 6 },
    ]);
  });

  it("the total is fixed by the first finish(), so the log line and the header agree", async () => {
    const clock = steppedClock();
    const timer = new StageTimer(clock.now);
    await clock.advance(3);
    const first = timer.finish();
    await clock.advance(50);
    expect(timer.finish()).toEqual(first);
  });
});

describe("timedWorker", () => {
  it("times each call by its method, kebab-cased, and passes everything else through", async () => {
    const clock = steppedClock();
    const timer = new StageTimer(clock.now);
    const worker = {
      name: "local-tokens",
      trustPolicy: async () => {
        await clock.advance(7);
        return { status: "unsupported" as const };
      },
    } as unknown as PluginClient;
    const timed = timedWorker(worker, timer);
    expect(timed.name).toBe("local-tokens");
    expect(await timed.trustPolicy?.({} as never)).toEqual({ status: "unsupported" });
    expect(timer.finish()[0]).toEqual({ name: "worker-trust-policy", ms: 7 });
  });
});
