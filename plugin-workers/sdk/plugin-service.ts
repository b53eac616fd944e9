// The Connect service behind servePlugin: Describe from the implementation's shape, Prepare as
// validate -> analyze -> serialize, and every error funnelled through toConnectError.
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { PLUGIN_PROTOCOL, PROTOCOL_VERSION } from "../../plugin-protocol/protocol-version.js";
import {
  analysisToProto,
  describeToProto,
  prepareToProto,
  revokeRequestFromProto,
  revokeResultToProto,
  scopeFromProto,
  scopeSetRequestFromProto,
  serializedToProto,
  validationToProto,
  vendRequestFromProto,
  vendResultToProto,
} from "../../plugin-protocol/convert.js";
import { trustPolicyRequestFromProto, trustPolicyResultToProto } from "../../plugin-protocol/convert-trust-policy.js";
import { allCanonical, inlineVendRequestFromProto, inlineVendResultToProto } from "../../plugin-protocol/convert-inline-vend.js";
import { IDENTITY_MESSAGE, isIdentity } from "../../plugin-protocol/identity.js";
import type {
  Capability,
  InlineVendRequest,
  PrepareResult,
  ScopeSetRequest,
  ScopeValidation,
  WorkerDescription,
} from "../../plugin-protocol/types.js";
import { formatScope, type Scope } from "../../plugin-protocol/scope.js";
import type { PluginService } from "../../proto/gen/credvend/plugin/v1/plugin_pb.js";
import { isDeadlineExceeded, untilDeadline } from "./deadline.js";
import { PluginError, ScopesNotCanonical, toConnectError } from "./plugin-error.js";
import type { PluginImplementation } from "./plugin-implementation.js";

/** Called with every error that is not a deliberate PluginError, for the worker's own logs. */
export type PluginErrorReporter = (error: unknown, method: string) => void;

export function capabilitiesOf(impl: PluginImplementation): Capability[] {
  const capabilities: Capability[] = ["validate"];
  if (impl.analyze) capabilities.push("analyze");
  capabilities.push("serialize", "prepare", "vend");
  if (impl.revoke) capabilities.push("revoke");
  return capabilities;
}

export function describePlugin(impl: PluginImplementation): WorkerDescription {
  return {
    name: impl.name,
    version: impl.version,
    protocol: PLUGIN_PROTOCOL,
    // The SDK serves every step of this version (Prepare included), whatever the worker implements.
    protocolVersion: PROTOCOL_VERSION,
    providers: [...impl.providers],
    capabilities: capabilitiesOf(impl),
  };
}

export async function preparePlugin(impl: PluginImplementation, request: ScopeSetRequest): Promise<PrepareResult> {
  const validations = await validateAll(impl, request.scopes);
  if (!validations.every((v) => v.valid)) return { validations, analyses: [] };
  const normalized = { ...request, scopes: validations.map(normalizedScope) };
  const analyses = impl.analyze ? await analyzeAll(impl, normalized) : [];
  const serialized = await impl.serialize(normalized);
  return { validations, analyses, serialized };
}

export function createPluginService(impl: PluginImplementation, report: PluginErrorReporter): Partial<ServiceImpl<typeof PluginService>> {
  const guard =
    <A, R>(method: string, run: (request: A) => Promise<R>) =>
    async (request: A, context?: HandlerContext): Promise<R> => {
      try {
        return await untilDeadline(run(request), context?.signal);
      } catch (error) {
        if (isDeadlineExceeded(error)) throw error;
        const deliberate = (error instanceof PluginError && error.code !== "internal") || error instanceof ScopesNotCanonical;
        if (!deliberate) report(error, method);
        throw toConnectError(error);
      }
    };

  const service: Partial<ServiceImpl<typeof PluginService>> = {
    // The configuration is the deployment's, asked on every Describe; the rest is the signed shape.
    describe: guard("Describe", async () =>
      describeToProto({ ...describePlugin(impl), ...(impl.configuration ? { configuration: await impl.configuration() } : {}) }),
    ),
    validateScope: guard("ValidateScope", async (request) => ({
      results: (await validateAll(impl, request.scopes.map(scopeFromProto))).map(validationToProto),
    })),
    serializeScope: guard("SerializeScope", async (request) => {
      const domain = await requireValid(impl, scopeSetRequestFromProto(request));
      return serializedToProto(await impl.serialize(domain));
    }),
    prepare: guard("Prepare", async (request) => prepareToProto(await preparePlugin(impl, scopeSetRequestFromProto(request)))),
    vend: guard("Vend", async (request) => {
      const inline = inlineVendRequestFromProto(request);
      if (inline) {
        if (request.scopes.length > 0 || request.serialized.length > 0)
          throw new PluginError("invalid_argument", "a Vend carries its scopes either in prepare or in scopes, not both");
        return vendInline(impl, inline);
      }
      const domain = vendRequestFromProto(request);
      if (domain.scopes.length === 0) throw new PluginError("invalid_argument", "no scopes requested");
      const valid = await requireValid(impl, domain);
      return vendResultToProto(await impl.vend({ ...domain, scopes: valid.scopes }));
    }),
  };
  const { analyze, revoke, trustPolicy } = impl;
  if (trustPolicy) {
    service.trustPolicy = guard("TrustPolicy", async (request) => {
      const domain = trustPolicyRequestFromProto(request);
      if (!isIdentity(domain.identity)) throw new PluginError("invalid_argument", IDENTITY_MESSAGE);
      return trustPolicyResultToProto(await trustPolicy.call(impl, domain));
    });
  }
  if (analyze) {
    service.analyzeScope = guard("AnalyzeScope", async (request) => {
      const domain = await requireValid(impl, scopeSetRequestFromProto(request));
      return { results: (await analyzeAll(impl, domain)).map(analysisToProto) };
    });
  }
  if (revoke) {
    service.revoke = guard("Revoke", async (request) => revokeResultToProto(await revoke.call(impl, revokeRequestFromProto(request))));
  }
  return service;
}

/**
 * Protocol 1.2: Prepare, then Vend in the same call, only when every scope is valid and already
 * canonical: what the core's policy allowed is then exactly what is granted. Otherwise nothing is
 * minted and the refusal carries the Prepare answer, so the core's fallback needs only a plain Vend.
 */
async function vendInline(impl: PluginImplementation, request: InlineVendRequest) {
  if (request.scopes.length === 0) throw new PluginError("invalid_argument", "no scopes requested");
  const prepared = await preparePlugin(impl, request);
  if (!allCanonical(prepared) || !prepared.serialized) throw new ScopesNotCanonical(prepared);
  const vended = await impl.vend({ ...request, serialized: prepared.serialized.serialized });
  return inlineVendResultToProto(vended, prepared.analyses);
}

async function validateAll(impl: PluginImplementation, scopes: readonly Scope[]): Promise<readonly ScopeValidation[]> {
  const results = await impl.validate(scopes);
  if (results.length !== scopes.length) {
    throw new Error(`validate returned ${results.length} results for ${scopes.length} scopes`);
  }
  return results;
}

async function analyzeAll(impl: PluginImplementation, request: ScopeSetRequest) {
  const results = (await impl.analyze?.(request)) ?? [];
  if (results.length !== request.scopes.length) {
    throw new Error(`analyze returned ${results.length} results for ${request.scopes.length} scopes`);
  }
  return results;
}

/** The single-step RPCs and Vend never hand an invalid scope to the implementation. */
async function requireValid<R extends ScopeSetRequest>(impl: PluginImplementation, request: R): Promise<R> {
  const validations = await validateAll(impl, request.scopes);
  const invalid = validations.filter((v) => !v.valid);
  if (invalid.length > 0) {
    const reasons = invalid.map((v) => `${formatScope(v.scope)}: ${v.error ?? "invalid scope"}`);
    throw new PluginError("invalid_argument", `invalid scope ${reasons.join("; ")}`);
  }
  return { ...request, scopes: validations.map(normalizedScope) };
}

function normalizedScope(validation: ScopeValidation): Scope {
  return validation.normalized ?? validation.scope;
}
