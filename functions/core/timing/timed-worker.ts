// Each worker call of one request, timed by its method (worker-prepare, worker-vend, …) whatever
// methods the port gains: a wrapper around the request's worker, so the pipeline's calls stay as
// they are. Every other property passes through unchanged.
import type { PluginClient } from "../ports/plugin-client.js";
import type { StageTimer } from "./stage-timer.js";

export function timedWorker<C extends PluginClient>(worker: C, timer: StageTimer): C {
  return new Proxy(worker, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function" || typeof property !== "string") return value;
      const stage = `worker-${kebab(property)}`;
      return (...args: unknown[]) => timer.time(stage, async () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

function kebab(method: string): string {
  return method.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
