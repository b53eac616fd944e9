// `credvend policy check`: a central or a target policy compiled by the core's own loaders
// (functions/core/policy), each problem placed at its line and column in the file, plus warnings
// for anchors by name (a repository or owner named, not its id: a renamed or deleted name can be
// registered by someone else and would then match).
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { compilePolicy, PolicyLoadError } from "../functions/core/policy/load-policy.js";
import { loadTargetPolicyFile } from "./policy-target-file.js";

export type PolicyKind = "central" | "target";

export interface Diagnostic {
  readonly severity: "error" | "warning";
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** GitHub Actions' issuer: what a target policy is checked against when no central policy is given. */
export const GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";

/** A target policy has `grants`; a central one `rules` (and audience, issuers). */
export function policyKindOf(text: string): PolicyKind {
  const document = parseDocument(text, { uniqueKeys: false });
  return isMap(document.contents) && document.contents.has("grants") && !document.contents.has("rules") ? "target" : "central";
}

/** Every problem the core's loader finds, at its place in `text`, then the name-anchor warnings. */
export function checkPolicy(text: string, kind: PolicyKind, issuers: readonly string[] = [GITHUB_ACTIONS_ISSUER]): Diagnostic[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const place = (offset: number | undefined) => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return { line, column: col };
  };
  const problems: string[] = [];
  try {
    if (kind === "target") loadTargetPolicyFile(text, issuers);
    else if (document.errors.length > 0)
      problems.push(
        ...document.errors.map((e) => `line ${place(e.pos[0]).line}, column ${place(e.pos[0]).column}: ${e.message.split("\n")[0]}`),
      );
    else compilePolicy(document.toJS());
  } catch (error) {
    if (!(error instanceof PolicyLoadError)) throw error;
    problems.push(...error.problems);
  }
  const errors = problems.map((problem): Diagnostic => {
    const placed = /^line (\d+), column (\d+): (.*)$/s.exec(problem);
    if (placed) return { severity: "error", line: Number(placed[1]), column: Number(placed[2]), message: placed[3]! };
    const path = /^([A-Za-z_]\w*(?:\[\d+\]|\.[A-Za-z_][\w-]*)*): /.exec(problem)?.[1];
    return { severity: "error", ...place(path ? offsetOf(document, path) : undefined), message: problem };
  });
  if (document.errors.length > 0) return errors;
  return [...errors, ...nameAnchorWarnings(document, kind).map((w) => ({ ...w, ...place(offsetOf(document, w.path)) }))];
}

const NAME_ANCHORS = [
  ["repository", "repository_id", "gh api repos/OWNER/REPO --jq .id"],
  ["repository_owner", "repository_owner_id", "gh api users/OWNER --jq .id"],
] as const;

function nameAnchorWarnings(document: Document, kind: PolicyKind): { severity: "warning"; path: string; message: string }[] {
  const data = document.toJS() as Record<string, unknown> | null;
  const lists = kind === "target" ? ["grants"] : ["rules", "delegations"];
  const warnings: { severity: "warning"; path: string; message: string }[] = [];
  for (const list of lists) {
    const entries = Array.isArray(data?.[list]) ? (data[list] as unknown[]) : [];
    entries.forEach((entry, i) => {
      const when = (entry as { when?: unknown } | null)?.when;
      if (typeof when !== "object" || when === null) return;
      for (const [name, id, lookup] of NAME_ANCHORS) {
        if (!(name in when) || id in when) continue;
        const path = `${list}[${i}].when.${name}`;
        warnings.push({
          severity: "warning",
          path,
          message: `${path}: anchored by name: a renamed or deleted ${name === "repository" ? "repository" : "owner"}'s name can be registered by someone else; pin ${id} instead (${lookup})`,
        });
      }
    });
  }
  return warnings;
}

/** Where the node a problem's path names begins (its key, for a field), or its nearest existing parent. */
function offsetOf(document: Document, path: string): number | undefined {
  let node: unknown = document.contents;
  let offset = (document.contents as Node | null)?.range?.[0];
  for (const [, key, index] of path.matchAll(/\.?([A-Za-z_][\w-]*)|\[(\d+)\]/g)) {
    if (key !== undefined && isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (index !== undefined && isSeq(node)) {
      const item = node.items[Number(index)] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset;
}
