// The dependency graph CloudFormation builds from a template (Ref, Fn::GetAtt, Fn::Sub and
// DependsOn between resources) and its cycles: CDK synthesizes a circular template without
// complaint, and CloudFormation refuses it only at deploy.
interface TemplateJson {
  Resources: Record<string, { DependsOn?: string | string[]; Properties?: unknown }>;
}

export function dependencyCycles(template: TemplateJson): string[][] {
  const ids = new Set(Object.keys(template.Resources));
  const edges = new Map<string, Set<string>>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    const targets = new Set([resource.DependsOn ?? []].flat());
    collectReferences(resource.Properties, targets);
    edges.set(id, new Set([...targets].filter((target) => ids.has(target) && target !== id)));
  }
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (id: string): void => {
    state.set(id, "open");
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      if (state.get(next) === "open") cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(id, "done");
  };
  for (const id of ids) if (!state.has(id)) visit(id);
  return cycles;
}

function collectReferences(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectReferences(item, into);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  for (const [key, inner] of Object.entries(value)) {
    if (key === "Ref" && typeof inner === "string") into.add(inner);
    else if (key === "Fn::GetAtt") into.add(String([inner].flat()[0]).split(".")[0]!);
    else if (key === "Fn::Sub") for (const match of String([inner].flat()[0]).matchAll(/\$\{([^}.!]+)/g)) into.add(match[1]!);
    collectReferences(inner, into);
  }
}
