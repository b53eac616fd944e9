// For plugin authors' tests: a gRPC-web client against the app's fetch, so every call goes through
// the full protobuf + gRPC-web encoding without a network. Errors come back as the PluginError the
// worker threw (its code and message), or `internal` with the generic message for anything else.
import { ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import {
  analysisFromProto,
  describeFromProto,
  prepareFromProto,
  revokeRequestToProto,
  revokeResultFromProto,
  scopeSetRequestToProto,
  scopeToProto,
  serializedFromProto,
  validationFromProto,
  vendRequestToProto,
  vendResultFromProto,
} from "../../plugin-protocol/convert.js";
import type { Scope } from "../../plugin-protocol/scope.js";
import type {
  PrepareResult,
  RevokeRequest,
  RevokeResult,
  ScopeAnalysis,
  ScopeSetRequest,
  ScopeValidation,
  SerializedScopes,
  VendRequest,
  VendResult,
  WorkerDescription,
} from "../../plugin-protocol/types.js";
import { PluginService } from "../../proto/gen/credvend/plugin/v1/plugin_pb.js";
import { fromConnectError } from "./plugin-error.js";
import type { PluginImplementation } from "./plugin-implementation.js";
import { servePlugin, type ServePluginOptions } from "./serve-plugin.js";

/** Every step of the protocol, in the contract's types (plugin-protocol/types.ts). */
export interface PluginTestClient {
  describe(): Promise<WorkerDescription>;
  prepare(request: ScopeSetRequest): Promise<PrepareResult>;
  validate(scopes: readonly Scope[]): Promise<ScopeValidation[]>;
  analyze(request: ScopeSetRequest): Promise<ScopeAnalysis[]>;
  serialize(request: ScopeSetRequest): Promise<SerializedScopes>;
  vend(request: VendRequest): Promise<VendResult>;
  revoke(request: RevokeRequest): Promise<RevokeResult>;
}

export function createPluginTestClient(impl: PluginImplementation, options: ServePluginOptions = {}): PluginTestClient {
  const { app } = servePlugin(impl, options);
  const service = createClient(
    PluginService,
    createGrpcWebTransport({ baseUrl: "http://plugin.test", fetch: async (input, init) => app.fetch(new Request(input, init)) }),
  );
  return {
    describe: () => call(async () => describeFromProto(await service.describe({}))),
    prepare: (request) => call(async () => prepareFromProto(await service.prepare(scopeSetRequestToProto(request)))),
    validate: (scopes) =>
      call(async () => (await service.validateScope({ scopes: scopes.map(scopeToProto) })).results.map(validationFromProto)),
    analyze: (request) => call(async () => (await service.analyzeScope(scopeSetRequestToProto(request))).results.map(analysisFromProto)),
    serialize: (request) => call(async () => serializedFromProto(await service.serializeScope(scopeSetRequestToProto(request)))),
    vend: (request) => call(async () => vendResultFromProto(await service.vend(vendRequestToProto(request)))),
    revoke: (request) => call(async () => revokeResultFromProto(await service.revoke(revokeRequestToProto(request)))),
  };
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw error instanceof ConnectError ? fromConnectError(error) : error;
  }
}
