// The policy file as people write it (YAML), for synth and the local stack. Deployed functions get
// the JSON compiledPolicyJson makes from it, so the YAML parser never reaches a Lambda bundle.
import { parse as parseYaml, YAMLParseError } from "yaml";
import { compilePolicy, loadPolicyJson, PolicyLoadError } from "./load-policy.js";
import type { Policy } from "./policy.js";

export function loadPolicyYaml(text: string): Policy {
  return compilePolicy(policyDocumentOfYaml(text));
}

/**
 * The policy as the JSON a function ships, checked by compiling exactly that JSON (as the function
 * will at cold start): a problem fails synth naming its field.
 */
export function compiledPolicyJson(yamlText: string): { json: string; policy: Policy } {
  const json = `${JSON.stringify(policyDocumentOfYaml(yamlText), null, 2)}\n`;
  return { json, policy: loadPolicyJson(json) };
}

function policyDocumentOfYaml(text: string): unknown {
  try {
    return parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    const where = err instanceof YAMLParseError ? ` (line ${err.linePos?.[0]?.line ?? "?"})` : "";
    throw new PolicyLoadError([`not valid YAML${where}: ${(err as Error).message.split("\n")[0]}`]);
  }
}
