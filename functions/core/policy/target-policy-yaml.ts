// A target policy file as its owners commit it, parsed strictly: at most 16 KiB, one document, no
// anchors or aliases (a merge key or an alias would make what a reviewer reads differ from what
// is granted), no explicit tags, no duplicate keys. Every problem names its line and column.
import { LineCounter, parseDocument, visit } from "yaml";
import { PolicyLoadError } from "./policy-load-error.js";
import { compileTargetPolicy, MAX_TARGET_POLICY_BYTES, type TargetPolicy } from "./target-policy.js";

/** `content`: the file's bytes (or text); `issuers`: the central policy's. */
export function loadTargetPolicyYaml(content: Uint8Array | string, issuers: readonly string[]): TargetPolicy {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  if (bytes.byteLength > MAX_TARGET_POLICY_BYTES)
    throw new PolicyLoadError([`the file is ${bytes.byteLength} bytes, over the ${MAX_TARGET_POLICY_BYTES}-byte limit`]);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new PolicyLoadError(["the file is not UTF-8 text"]);
  }
  return compileTargetPolicy(strictYaml(text), issuers);
}

function strictYaml(text: string): unknown {
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
  return document.toJS({ maxAliasCount: 0 });
}
