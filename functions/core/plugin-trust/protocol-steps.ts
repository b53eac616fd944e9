// A worker as the core may call it, given the protocol version it verified with: a worker whose
// minor has no Prepare (1.0) gets validate → analyze → serialize as three calls instead, exactly
// what the SDK's Prepare runs in one; only a worker whose minor has it (1.2) gets the inline Vend.
// Steps the worker's minor has go straight through.
import { hasStep, type ProtocolVersion } from "../../../plugin-protocol/protocol-version.js";
import type { Capability, PrepareResult, ScopeSetRequest } from "../../../plugin-protocol/types.js";
import type { PluginClient, SingleStepPluginClient } from "../ports/plugin-client.js";

export function clientForProtocol(
  client: SingleStepPluginClient,
  version: ProtocolVersion,
  capabilities: readonly Capability[],
): PluginClient {
  if (!hasStep(version, "prepare"))
    return {
      name: client.name,
      describe: () => client.describe(),
      vend: (request) => client.vend(request),
      revoke: (request) => client.revoke(request),
      prepare: (request) => prepareInSteps(client, request, capabilities.includes("analyze")),
    };
  if (!hasStep(version, "vendInline")) return client;
  // The client itself does not answer to `vendInline`: that name is only handed out here.
  return {
    name: client.name,
    describe: () => client.describe(),
    prepare: (request) => client.prepare(request),
    vend: (request) => client.vend(request),
    vendInline: (request) => client.vendWithPreparation(request),
    revoke: (request) => client.revoke(request),
    ...(client.trustPolicy ? { trustPolicy: client.trustPolicy.bind(client) } : {}),
  };
}

async function prepareInSteps(client: SingleStepPluginClient, request: ScopeSetRequest, analyze: boolean): Promise<PrepareResult> {
  const validations = await client.validate(request.scopes);
  if (!validations.every((v) => v.valid)) return { validations, analyses: [] };
  const normalized = { ...request, scopes: validations.map((v) => v.normalized ?? v.scope) };
  const analyses = analyze ? await client.analyze(normalized) : [];
  return { validations, analyses, serialized: await client.serialize(normalized) };
}
