// The rules that decide whether the core may call a worker. Pure apart from the evidence it is
// handed: the deployed configuration (code hash, layers, handler, runtime, variable names) and the
// worker's own Describe answer come in through ports.
import { BASELINE_PROTOCOL_VERSION, protocolCompatibility } from "../../../plugin-protocol/protocol-version.js";
import type { WorkerDescription } from "../../../plugin-protocol/types.js";
import { manifestProtocolVersion, type PluginManifest } from "./manifest.js";
import { checkManifestSignature, type SignedManifest } from "./sign-manifest.js";
import type { TrustStore } from "./trust-store.js";
import { configurationDifferences, type DeployedConfiguration } from "./worker-configuration.js";

/** What the operator registered for one worker. */
export interface TrustedRegistration {
  readonly name: string;
  readonly providers: readonly string[];
  /** The manifest and signature the operator deployed with the worker; absent = unsigned. */
  readonly signed?: SignedManifest;
  /** Opt-in for a worker without a manifest: a warning and an audit event at every cold start. */
  readonly allowUnsigned?: boolean;
}

/** Where the evidence comes from (Lambda GetFunctionConfiguration and the worker itself, on AWS). */
export interface WorkerEvidence {
  /** The deployed code's hash and, on Lambda, how it is run: from one GetFunctionConfiguration. */
  deployedConfiguration(): Promise<DeployedConfiguration>;
  /** Absent only for an offline check of a package (`credvend plugin verify` without --url). */
  describe?(): Promise<WorkerDescription>;
}

export type RefusalReason =
  | "unsigned"
  | "malformed_manifest"
  | "unknown_key"
  | "bad_signature"
  | "incompatible_protocol"
  | "code_mismatch"
  | "configuration_mismatch"
  | "describe_mismatch"
  | "provider_not_declared";

export type WorkerVerdict =
  | { readonly status: "verified"; readonly manifest: PluginManifest }
  | { readonly status: "unsigned"; readonly detail: string }
  | { readonly status: "refused"; readonly reason: RefusalReason; readonly detail: string };

/**
 * Signature first (no I/O, so a forged manifest costs nothing), then the protocol version (same
 * major as this core), then the deployed code and its configuration (no layers; the signed handler
 * and runtime; variable names in the allowlist), then Describe (fetched beside the deployed code,
 * judged after it). An evidence call that fails (network, throttling) rejects: that is not a
 * verdict, the caller retries later. Everything definite is a verdict; a refusal is never downgraded.
 */
export async function verifyWorker(registration: TrustedRegistration, trust: TrustStore, evidence: WorkerEvidence): Promise<WorkerVerdict> {
  if (!registration.signed) {
    if (!registration.allowUnsigned)
      return refused("unsigned", `worker ${registration.name} has no signed manifest and allowUnsigned is not set`);
    const mismatch = evidence.describe ? describeCoversRegistration(registration, await evidence.describe()) : undefined;
    return mismatch ?? { status: "unsigned", detail: `worker ${registration.name} runs unsigned (allowUnsigned: true)` };
  }
  const checked = await checkManifestSignature(registration.signed, trust);
  if (!checked.ok) return refused(checked.reason, checked.detail);
  const { manifest } = checked;

  // Before any evidence is fetched: a worker of another major is refused for that alone.
  const compatibility = protocolCompatibility(manifestProtocolVersion(manifest));
  if (!compatibility.compatible) return refused("incompatible_protocol", `worker ${registration.name} ${compatibility.detail}`);

  const undeclared = registration.providers.filter((p) => !manifest.providers.includes(p));
  if (undeclared.length > 0) return refused("provider_not_declared", `the manifest does not declare provider ${undeclared.join(", ")}`);

  // The deployed code and Describe are fetched side by side (at a cold start each is a round trip,
  // and Describe may meet a cold worker) but judged in this order: a Describe that failed never
  // turns a refusal for the code into "could not be verified".
  const deployedFetch = evidence.deployedConfiguration();
  const describedFetch = evidence.describe?.();
  describedFetch?.catch(() => undefined); // awaited below, unless the code is refused first
  const deployed = await deployedFetch;
  if (deployed.codeSha256 !== manifest.codeSha256)
    return refused("code_mismatch", `deployed code ${deployed.codeSha256} is not the signed code ${manifest.codeSha256}`);
  const differences = deployed.lambda ? configurationDifferences(manifest, deployed.lambda) : [];
  if (differences.length > 0) return refused("configuration_mismatch", differences.map((d) => d.detail).join("; "));

  const disagreement = describedFetch ? describeDisagreement(manifest, await describedFetch) : undefined;
  if (disagreement) return refused("describe_mismatch", disagreement);
  return { status: "verified", manifest };
}

function describeDisagreement(manifest: PluginManifest, description: WorkerDescription): string | undefined {
  if (description.name !== manifest.name) return `Describe says name "${description.name}", the manifest "${manifest.name}"`;
  if (description.version !== manifest.version) return `Describe says version "${description.version}", the manifest "${manifest.version}"`;
  if (description.protocol !== manifest.protocol)
    return `Describe says protocol "${description.protocol}", the manifest "${manifest.protocol}"`;
  const described = description.protocolVersion ?? BASELINE_PROTOCOL_VERSION;
  if (described !== manifestProtocolVersion(manifest))
    return `Describe says protocol version ${described}, the manifest ${manifestProtocolVersion(manifest)}`;
  const missing = manifest.capabilities.filter((c) => !description.capabilities.includes(c));
  if (missing.length > 0) return `the manifest names capabilities the worker lacks: ${missing.join(", ")}`;
  const extra = description.capabilities.filter((c) => !manifest.capabilities.includes(c));
  if (extra.length > 0) return `the worker has capabilities the manifest does not name: ${extra.join(", ")}`;
  if (!sameSet(description.providers, manifest.providers))
    return `Describe says providers [${description.providers.join(", ")}], the manifest [${manifest.providers.join(", ")}]`;
  return undefined;
}

function describeCoversRegistration(registration: TrustedRegistration, description: WorkerDescription): WorkerVerdict | undefined {
  const missing = registration.providers.filter((p) => !description.providers.includes(p));
  if (missing.length === 0) return undefined;
  return refused("describe_mismatch", `the worker does not serve provider ${missing.join(", ")}`);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === new Set(a).size && a.length === b.length && a.every((item) => b.includes(item));
}

function refused(reason: RefusalReason, detail: string): WorkerVerdict {
  return { status: "refused", reason, detail };
}
