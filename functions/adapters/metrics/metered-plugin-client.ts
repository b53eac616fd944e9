// Worker latency and failures, measured at the one place every worker call passes: the core's
// client of that worker. Each step (Describe, Prepare, Vend, Revoke, …) is one latency point,
// retries included; a failure is counted by its kind (timeout, unavailable, upstream_failed).
// A worker refusing a request (invalid_request: a scope it does not serve) is an answer, not a
// failure of the worker.
import type { PluginClient } from "../../core/ports/plugin-client.js";
import type { Metrics } from "./emf-metrics.js";
import { METRIC } from "./metered-ledger.js";

export function meteredPluginClient<C extends PluginClient>(client: C, metrics: Metrics, now: () => number = () => performance.now()): C {
  const Worker = client.name;
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        const started = now();
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          const kind = (error as { kind?: unknown }).kind;
          if (kind !== "invalid_request")
            metrics.put({
              name: METRIC.workerFailures,
              value: 1,
              unit: "Count",
              dimensions: { Worker, Outcome: typeof kind === "string" ? kind : "error" },
            });
          throw error;
        } finally {
          metrics.put({ name: METRIC.workerLatency, value: Math.round(now() - started), unit: "Milliseconds", dimensions: { Worker } });
        }
      };
    },
  });
}
