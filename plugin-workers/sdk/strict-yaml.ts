// The YAML a trust policy file is written in, read strictly into plain data (the core compiles and
// evaluates it; a worker only reads): at most 16 KiB of UTF-8, one document, no anchors or aliases
// (a merge key or an alias would make what a reviewer reads differ from what is granted), no
// explicit tags, no duplicate keys. Every problem names its line and column. It runs in the worker
// that reads trust policies (parsedTrustPolicy), so no other bundle carries a YAML parser (112 KiB).
import { LineCounter, parseDocument, visit } from "yaml";
import { MAX_TRUST_POLICY_BYTES } from "../../plugin-protocol/convert-trust-policy.js";
import type { TrustPolicyFile, TrustPolicyResult } from "../../plugin-protocol/types.js";

/** Every problem of a file, each with its line and column where it has one. */
export class StrictYamlError extends Error {
  override readonly name = "StrictYamlError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid trust policy file:\n  - ${problems.join("\n  - ")}`);
  }
}

/** The file's data; throws StrictYamlError. `content`: its bytes (or text). */
export function parseStrictYaml(content: Uint8Array | string): unknown {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  if (bytes.byteLength > MAX_TRUST_POLICY_BYTES)
    throw new StrictYamlError([`the file is ${bytes.byteLength} bytes, over the ${MAX_TRUST_POLICY_BYTES}-byte limit`]);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new StrictYamlError(["the file is not UTF-8 text"]);
  }
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
  if (problems.length > 0) throw new StrictYamlError(problems);
  return document.toJS({ maxAliasCount: 0 });
}

/** A TrustPolicy answer from the file a worker read: its data parsed strictly, or the reasons it is not. */
export function parsedTrustPolicy(file: TrustPolicyFile): TrustPolicyResult {
  if (file.status !== "found") return file;
  const { content, ...found } = file;
  const location = { path: file.path, repository: file.repository, commitSha: file.commitSha };
  // The cap is the protocol's: a worker that read more answers TOO_LARGE, never parses it.
  if (content.byteLength > MAX_TRUST_POLICY_BYTES) return { status: "too_large", ...location };
  try {
    return { ...found, documentJson: JSON.stringify(parseStrictYaml(content) ?? null) };
  } catch (error) {
    if (!(error instanceof StrictYamlError)) throw error;
    return { status: "invalid", problems: error.problems, etag: file.etag, ...location };
  }
}
