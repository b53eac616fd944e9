// How Lambda runs a worker, and the rules that bind it to the signed manifest. The code hash alone
// does not say what runs: with lambda:UpdateFunctionConfiguration, NODE_OPTIONS=--import=data:…, a
// layer, AWS_LAMBDA_EXEC_WRAPPER or another handler runs foreign code beside the signed zip. So
// the manifest also signs the handler, the runtime and the NAMES of the environment variables the
// worker may be deployed with, and a signed worker has no layers.

/** What the deployed worker is, as one Lambda GetFunctionConfiguration answers it. */
export interface DeployedConfiguration {
  /** Base64 SHA-256 of the deployed zip, as Lambda's `CodeSha256`. */
  readonly codeSha256: string;
  /**
   * How Lambda starts the code. Absent for a worker the core starts itself from a local zip
   * (`codeZip`): its handler and runtime are the manifest's by construction, so there only the
   * code hash is checked.
   */
  readonly lambda?: LambdaConfiguration;
}

export interface LambdaConfiguration {
  readonly handler: string;
  /** Lambda's runtime identifier, e.g. `nodejs24.x`. */
  readonly runtime: string;
  /** Layer ARNs. */
  readonly layers: readonly string[];
  /** Names of the function's environment variables: values never leave the adapter. */
  readonly environmentNames: readonly string[];
  /** Set when Lambda could not show the variables (e.g. a KMS key the caller cannot use). */
  readonly environmentError?: string;
}

/**
 * Variables that make a runtime load code the manifest does not cover (preloads, module paths,
 * wrappers) or trust other TLS roots. No manifest may allow them, whatever its signature.
 */
export const FORBIDDEN_ENVIRONMENT: readonly string[] = [
  "AWS_LAMBDA_EXEC_WRAPPER",
  "LD_AUDIT",
  "LD_LIBRARY_PATH",
  "LD_PRELOAD",
  "NODE_EXTRA_CA_CERTS",
  "NODE_OPTIONS",
  "NODE_PATH",
  "PYTHONHOME",
  "PYTHONPATH",
  "PYTHONSTARTUP",
];

/** Case-insensitive, so a lower-case spelling cannot be listed in its place. */
export function isForbiddenEnvironmentName(name: string): boolean {
  return FORBIDDEN_ENVIRONMENT.includes(name.toUpperCase());
}

/**
 * A manifest's runtime is an exact Lambda identifier (`nodejs24.x`, `python3.13`) or a family
 * (`nodejs`, `python`): a family accepts any of its versions, so a runtime upgrade of the stack
 * does not need a new signature, while another language never passes.
 */
export function runtimeMatches(signed: string, deployed: string): boolean {
  if (signed === deployed) return true;
  const isFamily = /^[a-z]+$/.test(signed);
  return isFamily && deployed.startsWith(signed) && /^[0-9.]/.test(deployed.slice(signed.length));
}

/** The part of a manifest that binds the configuration. */
export interface SignedConfiguration {
  readonly handler: string;
  readonly runtime: string;
  readonly environment: readonly string[];
}

export type ConfigurationField = "layers" | "handler" | "runtime" | "environment";

export interface ConfigurationDifference {
  readonly field: ConfigurationField;
  /** Names what differs; never an environment variable's value. */
  readonly detail: string;
}

/** Every way the deployed configuration differs from the signed one; empty when it conforms. */
export function configurationDifferences(signed: SignedConfiguration, deployed: LambdaConfiguration): ConfigurationDifference[] {
  const differences: ConfigurationDifference[] = [];
  if (deployed.layers.length > 0)
    differences.push({
      field: "layers",
      detail: `layers ${deployed.layers.join(", ")} are attached (a signed worker runs without layers)`,
    });
  if (deployed.handler !== signed.handler)
    differences.push({ field: "handler", detail: `handler "${deployed.handler}" is not the signed "${signed.handler}"` });
  if (!runtimeMatches(signed.runtime, deployed.runtime))
    differences.push({ field: "runtime", detail: `runtime "${deployed.runtime}" is not the signed "${signed.runtime}"` });
  if (deployed.environmentError !== undefined)
    differences.push({
      field: "environment",
      detail: `the environment variables cannot be read (${deployed.environmentError}), so they cannot be checked`,
    });
  const names = [...deployed.environmentNames].sort();
  const forbidden = names.filter(isForbiddenEnvironmentName);
  if (forbidden.length > 0)
    differences.push({ field: "environment", detail: `environment variable ${forbidden.join(", ")} is set, which no worker may have` });
  const unlisted = names.filter((name) => !isForbiddenEnvironmentName(name) && !signed.environment.includes(name));
  if (unlisted.length > 0)
    differences.push({ field: "environment", detail: `environment variable ${unlisted.join(", ")} is not in the manifest's allowlist` });
  return differences;
}
