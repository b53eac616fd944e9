// At synth, each worker goes through the same verifyWorker() the core runs at cold start, with the
// zip about to be uploaded as the deployed code and the function configuration the stack is about
// to deploy (handler, runtime, no layers, variable names): a worker the core would refuse
// (unsigned without allowUnsigned, unknown key, bad signature, undeclared provider, zip not the
// signed one, a configuration its manifest does not allow) fails synth instead of being deployed.
import { LAMBDA_PYTHON_RUNTIME, LAMBDA_RUNTIME } from "../constructs/function-defaults.js";
import {
  TrustStore,
  TrustStoreError,
  configurationDifferences,
  isForbiddenEnvironmentName,
  parseManifest,
  verifyWorker,
  type ConfigurationDifference,
  type LambdaConfiguration,
} from "../../functions/core/plugin-trust/index.js";
import type { ResolvedWorker } from "./resolved-worker.js";
import type { ParsedDeploymentConfig } from "./schema.js";
import { workerEnvironmentNames } from "./worker-environment.js";

type SynthConfig = Pick<ParsedDeploymentConfig, "trustedKeys" | "awsSts" | "github">;

export async function verifyWorkersAtSynth(workers: readonly ResolvedWorker[], config: SynthConfig, problems: string[]): Promise<void> {
  let trust: TrustStore;
  try {
    trust = TrustStore.fromConfig(config.trustedKeys, "trustedKeys");
  } catch (error) {
    if (!(error instanceof TrustStoreError)) throw error;
    problems.push(error.message);
    return;
  }
  for (const [i, worker] of workers.entries()) {
    for (const name of Object.keys(worker.environment).filter(isForbiddenEnvironmentName))
      problems.push(
        `workers[${i}].environment.${name}: never allowed on a worker (it makes the runtime load code the signature does not cover, or changes its TLS trust or proxy)`,
      );
    const signed = worker.signed;
    const lambda: LambdaConfiguration = {
      handler: worker.package?.handler ?? "",
      runtime: (worker.package?.runtime === "python" ? LAMBDA_PYTHON_RUNTIME : LAMBDA_RUNTIME).name,
      layers: [],
      environmentNames: workerEnvironmentNames(worker, config),
    };
    const verdict = await verifyWorker(
      { name: worker.name, providers: worker.providers, allowUnsigned: worker.allowUnsigned, ...(signed ? { signed } : {}) },
      trust,
      { deployedConfiguration: async () => ({ codeSha256: signed?.codeSha256 ?? "", lambda }) },
    );
    if (verdict.status !== "refused") continue;
    if (verdict.reason === "configuration_mismatch") {
      // Signature checked: the manifest parses. One problem per differing field, naming its config field.
      for (const difference of configurationDifferences(parseManifest(signed!.manifest), lambda))
        problems.push(
          `${configField(i, difference)}: the core would refuse this worker: configuration_mismatch: ${difference.detail}${configHint(worker, difference)}`,
        );
      continue;
    }
    const field = verdict.reason === "unsigned" ? `workers[${i}]` : `workers[${i}].package`;
    const hint =
      verdict.reason === "unsigned"
        ? " (set package to its signed zip, or allowUnsigned: true)"
        : verdict.reason === "code_mismatch"
          ? " (sign this zip again)"
          : "";
    problems.push(`${field}: the core would refuse this worker: ${verdict.reason}: ${verdict.detail}${hint}`);
  }
}

function configField(i: number, difference: ConfigurationDifference): string {
  switch (difference.field) {
    case "handler":
      return `workers[${i}].package.handler`;
    case "environment":
      return `workers[${i}].environment`;
    default:
      return `workers[${i}].package`;
  }
}

function configHint(worker: ResolvedWorker, difference: ConfigurationDifference): string {
  switch (difference.field) {
    case "handler":
      return " (set package.handler to the manifest's)";
    case "runtime":
      return worker.package?.runtime === "python"
        ? ` (this stack deploys Python workers on ${LAMBDA_PYTHON_RUNTIME.name})`
        : ` (this stack deploys workers on ${LAMBDA_RUNTIME.name}; a Python worker sets package.runtime: python)`;
    case "environment":
      return ` (what kind ${worker.kind} and its environment set: sign the worker with those names allowed, or set fewer)`;
    default:
      return "";
  }
}
