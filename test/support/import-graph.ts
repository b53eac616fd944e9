// The project's own import graph, read from the source: every relative import (type-only ones
// too) of every TypeScript file, for the architecture checks.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

const SPECIFIER = /(?:^|[\s;}])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
const SKIP = new Set(["node_modules", ".git", "dist", "cdk.out", ".credvend", ".cache", "gen"]);

export interface ImportGraph {
  /** file (relative to the root, forward slashes) -> the project files it imports */
  readonly local: ReadonlyMap<string, readonly string[]>;
  /** file -> the bare (package or node:) specifiers it imports */
  readonly external: ReadonlyMap<string, readonly string[]>;
}

export function readImportGraph(root: string, folders: readonly string[]): ImportGraph {
  const local = new Map<string, string[]>();
  const external = new Map<string, string[]>();
  for (const file of folders.flatMap((folder) => listTs(join(root, folder)))) {
    const name = relative(root, file).split("\\").join("/");
    const source = readFileSync(file, "utf8");
    const locals: string[] = [];
    const bare: string[] = [];
    for (const match of source.matchAll(SPECIFIER)) {
      const specifier = match[1] ?? match[2]!;
      if (!specifier.startsWith(".")) {
        bare.push(specifier);
        continue;
      }
      locals.push(resolveLocal(root, dirname(file), specifier));
    }
    local.set(name, locals);
    external.set(name, bare);
  }
  return { local, external };
}

/** Every cycle's files, each cycle once (Tarjan's strongly connected components larger than one). */
export function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const target of graph.local.get(node) ?? []) {
      if (!graph.local.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(node, Math.min(low.get(node)!, index.get(target)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop()!; ; member = stack.pop()!) {
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1 || (graph.local.get(node) ?? []).includes(node)) cycles.push(component.sort());
  };
  for (const node of graph.local.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

function resolveLocal(root: string, from: string, specifier: string): string {
  const target = normalize(join(from, specifier));
  const candidates = [target, target.replace(/\.js$/, ".ts"), target.replace(/\.js$/, ".d.ts"), join(target, "index.ts")];
  const found = candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile()) ?? target;
  return relative(root, found).split("\\").join("/");
}

function listTs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    if (SKIP.has(entry)) return [];
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return listTs(path);
    return /\.(ts|mts)$/.test(entry) && !entry.endsWith(".d.ts") ? [path] : [];
  });
}
