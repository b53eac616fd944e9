// Worker latency and failures, measured where every worker call passes: the fetch the gRPC-web
// client is given. A call fails when it gets no answer (network, timeout), an HTTP error, or a
// gRPC error status in the headers (how the server sends an error without a body).
// Each HTTP request is one point, so a retried step counts each attempt.
import type { Metrics } from "./emf-metrics.js";
import { METRIC } from "./metered-ledger.js";

export function meteredWorkerFetch(
  inner: typeof fetch,
  workers: readonly { readonly name: string; readonly url: string }[],
  metrics: Metrics,
  now: () => number = () => performance.now(),
): typeof fetch {
  const nameOf = (url: string) =>
    workers.find((worker) => url.startsWith(worker.url.replace(/\/?$/, "/")) || url === worker.url)?.name ?? "unknown";
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const Worker = nameOf(url);
    const started = now();
    const failed = (Outcome: string) =>
      metrics.put({ name: METRIC.workerFailures, value: 1, unit: "Count", dimensions: { Worker, Outcome } });
    try {
      const response = await inner(input, init);
      metrics.put({ name: METRIC.workerLatency, value: Math.round(now() - started), unit: "Milliseconds", dimensions: { Worker } });
      const grpcStatus = response.headers.get("grpc-status");
      if (!response.ok) failed("http_error");
      else if (grpcStatus !== null && grpcStatus !== "0") failed("grpc_error");
      return response;
    } catch (error) {
      failed(error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError") ? "timeout" : "network_error");
      throw error;
    }
  };
}
