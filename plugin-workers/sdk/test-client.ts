// For plugin authors' tests: the real client against the app's fetch, so every call goes through
// the full gRPC-web encoding without a network.
import { GrpcWebPluginClient } from "../../functions/adapters/grpc-web-plugin-client.js";
import type { PluginImplementation } from "./plugin-implementation.js";
import { servePlugin, type ServePluginOptions } from "./serve-plugin.js";

export interface PluginTestClientOptions extends ServePluginOptions {
  readonly timeoutMs?: number;
  readonly maxRetries?: number;
}

export function createPluginTestClient(
  impl: PluginImplementation,
  options: PluginTestClientOptions = {},
): GrpcWebPluginClient {
  const { app } = servePlugin(impl, options);
  return new GrpcWebPluginClient({
    name: impl.name,
    baseUrl: "http://plugin.test",
    fetch: async (input, init) => app.fetch(new Request(input, init)),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
  });
}
