// The broker's own gRPC-web client against a worker app in memory (no network): what the core
// sees of a worker, with its deadlines, retries and error mapping, for tests of both sides.
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import type { PluginImplementation } from "../../plugin-workers/sdk/plugin-implementation.js";
import { servePlugin, type ServePluginOptions } from "../../plugin-workers/sdk/serve-plugin.js";

export interface InMemoryWorkerOptions extends ServePluginOptions {
  readonly timeoutMs?: number;
  readonly maxRetries?: number;
}

export function inMemoryWorkerClient(impl: PluginImplementation, options: InMemoryWorkerOptions = {}): GrpcWebPluginClient {
  const { app } = servePlugin(impl, options);
  return new GrpcWebPluginClient({
    name: impl.name,
    baseUrl: "http://plugin.test",
    fetch: async (input, init) => app.fetch(new Request(input, init)),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
  });
}
