// `Server-Timing` (https://www.w3.org/TR/server-timing/) on every answer of a timed route,
// denials and errors too: one StageTimer per request, its stages and total as `name;dur=ms`.
// Names and durations only; no value of the request ever becomes a name.
import type { Context, MiddlewareHandler } from "hono";
import { StageTimer, type StageTime } from "../core/timing/stage-timer.js";

declare module "hono" {
  interface ContextVariableMap {
    stageTimer: StageTimer;
  }
}

/** Starts the request's timer before the route runs; sets the header on whatever answer it gave. */
export const serverTiming: MiddlewareHandler = async (c, next) => {
  const timer = new StageTimer();
  c.set("stageTimer", timer);
  await next();
  c.res.headers.set("Server-Timing", formatServerTiming(timer.finish()));
};

/** The request's timer (a fresh one where the middleware is not mounted: times go nowhere). */
export function stageTimer(c: Context): StageTimer {
  return c.get("stageTimer") ?? new StageTimer();
}

export function formatServerTiming(stages: readonly StageTime[]): string {
  return stages.map((stage) => `${stage.name};dur=${round(stage.ms)}`).join(", ");
}

/** For the vend's log line: the same durations as fields, `{ oidc: 1.2, …, total: 9.9 }`. */
export function timingFields(stages: readonly StageTime[]): Record<string, number> {
  return Object.fromEntries(stages.map((stage) => [stage.name, round(stage.ms)]));
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
