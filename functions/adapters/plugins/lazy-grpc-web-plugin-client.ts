// A worker's gRPC-web client, loaded on its first call instead of at cold start: Connect and the
// protobuf descriptors (descriptor.proto booted, then each generated file decoded) are the largest
// share of each function's module import, and most webhooks, sweeper and poller invocations, and
// the vend function's denials, health and status checks, never reach a worker.
import type { SingleStepPluginClient } from "../../core/ports/plugin-client.js";
import type { GrpcWebPluginClientOptions } from "./grpc-web-plugin-client.js";

export function lazyGrpcWebPluginClient(options: GrpcWebPluginClientOptions): SingleStepPluginClient {
  let loaded: Promise<SingleStepPluginClient> | undefined;
  const client = () =>
    (loaded ??= import("./grpc-web-plugin-client.js").then(({ GrpcWebPluginClient }) => new GrpcWebPluginClient(options)));
  return {
    name: options.name,
    describe: async () => (await client()).describe(),
    prepare: async (request) => (await client()).prepare(request),
    validate: async (scopes) => (await client()).validate(scopes),
    analyze: async (request) => (await client()).analyze(request),
    serialize: async (request) => (await client()).serialize(request),
    vend: async (request) => (await client()).vend(request),
    vendWithPreparation: async (request) => (await client()).vendWithPreparation(request),
    revoke: async (request) => (await client()).revoke(request),
    trustPolicy: async (request) => {
      const loadedClient = await client();
      if (!loadedClient.trustPolicy) throw new Error(`worker client ${options.name} has no trustPolicy`);
      return loadedClient.trustPolicy(request);
    },
  };
}
