// A target's trust policy file read as the broker reads it: strictly, by the worker SDK's reader
// (at most 16 KiB of UTF-8, one YAML document, no anchors, aliases, explicit tags or duplicate
// keys; each problem at its line and column), then compiled by the core's compileTargetPolicy.
import { PolicyLoadError } from "../functions/core/policy/policy-load-error.js";
import { compileTargetPolicy, type TargetPolicy } from "../functions/core/policy/target-policy.js";
import { parseStrictYaml, StrictYamlError } from "../plugin-workers/sdk/strict-yaml.js";

/** The compiled target policy, or a PolicyLoadError listing every problem. */
export function loadTargetPolicyFile(text: string, issuers: readonly string[]): TargetPolicy {
  let document: unknown;
  try {
    document = parseStrictYaml(text);
  } catch (error) {
    if (error instanceof StrictYamlError) throw new PolicyLoadError(error.problems);
    throw error;
  }
  return compileTargetPolicy(document, issuers);
}
