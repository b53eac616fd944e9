// A target's trust policy file read as the broker reads it: at most 16 KiB of UTF-8, one YAML
// document, no anchors, aliases, explicit tags or duplicate keys (each problem at its line and
// column), then compiled by the core's compileTargetPolicy. The same rules as the worker's strict
// reading; kept here so the operator's CLI needs no worker code.
import { LineCounter, parseDocument, visit } from "yaml";
import { PolicyLoadError } from "../functions/core/policy/policy-load-error.js";
import { compileTargetPolicy, type TargetPolicy } from "../functions/core/policy/target-policy.js";

/** The broker's limit on a trust policy file (the plugin protocol's), checked before parsing. */
const MAX_TARGET_POLICY_BYTES = 16 * 1024;

/** The compiled target policy, or a PolicyLoadError listing every problem. */
export function loadTargetPolicyFile(text: string, issuers: readonly string[]): TargetPolicy {
  const size = Buffer.byteLength(text);
  if (size > MAX_TARGET_POLICY_BYTES)
    throw new PolicyLoadError([`the file is ${size} bytes, over the ${MAX_TARGET_POLICY_BYTES}-byte limit`]);
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, merge: false, strict: true, prettyErrors: false });
  const at = (offset: number | undefined) => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return `line ${line}, column ${col}`;
  };
  const problems = document.errors.map((error) => `${at(error.pos[0])}: not valid YAML: ${error.message.split("\n")[0]}`);
  visit(document, {
    Alias(_, node) {
      problems.push(`${at(node.range?.[0])}: aliases (*${node.source}) are not allowed in a trust policy`);
    },
    Node(_, node) {
      if ("anchor" in node && node.anchor)
        problems.push(`${at(node.range?.[0])}: anchors (&${node.anchor}) are not allowed in a trust policy`);
      if ("tag" in node && node.tag) problems.push(`${at(node.range?.[0])}: explicit tags (${node.tag}) are not allowed in a trust policy`);
    },
  });
  if (problems.length > 0) throw new PolicyLoadError(problems);
  return compileTargetPolicy(document.toJS({ maxAliasCount: 0 }), issuers);
}
