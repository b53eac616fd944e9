// Where a process spent its CPU, from a V8 `.cpuprofile` (`node --cpu-prof`): self time per
// function and per group (a package, a part of Node, a folder of ours, GC), top entries first.
// `npm run bench` with BENCH_CPU_PROF=<dir> profiles the local stack and prints this; alone:
// `npx tsx test/bench/cpu-profile-summary.ts <file.cpuprofile> [--skip <seconds>] [--vends N]`.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  /** Microseconds since the previous sample (the first: since startTime). */
  readonly timeDeltas: readonly number[];
}

export interface ProfileEntry {
  readonly name: string;
  readonly group: string;
  readonly ms: number;
  readonly share: number;
}

export interface ProfileSummary {
  /** Sampled time in the window, idle excluded. */
  readonly busyMs: number;
  readonly idleMs: number;
  readonly groups: readonly ProfileEntry[];
  readonly functions: readonly ProfileEntry[];
}

/** Self time per function and group, for samples taken at least `skipMs` after the profile began. */
export function summarizeCpuProfile(profile: CpuProfile, skipMs = 0): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const perFunction = new Map<string, { group: string; us: number }>();
  const perGroup = new Map<string, number>();
  let elapsed = 0;
  let idle = 0;
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    elapsed += profile.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (elapsed < skipMs * 1000) continue;
    const frame = byId.get(profile.samples[i]!)?.callFrame;
    if (!frame) continue;
    if (frame.functionName === "(idle)") {
      idle += us;
      continue;
    }
    busy += us;
    const group = groupOf(frame.url, frame.functionName);
    const name = `${frame.functionName || "(anonymous)"} ${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ""}`.trim();
    const entry = perFunction.get(name) ?? { group, us: 0 };
    entry.us += us;
    perFunction.set(name, entry);
    perGroup.set(group, (perGroup.get(group) ?? 0) + us);
  }
  const entry = (name: string, group: string, us: number): ProfileEntry => ({ name, group, ms: us / 1000, share: busy ? us / busy : 0 });
  return {
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    groups: [...perGroup].map(([group, us]) => entry(group, group, us)).sort((a, b) => b.ms - a.ms),
    functions: [...perFunction].map(([name, { group, us }]) => entry(name, group, us)).sort((a, b) => b.ms - a.ms),
  };
}

/** A package (`@aws-sdk/client-dynamodb`), a part of Node (`node:http`), a folder of ours, or V8's own. */
export function groupOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const node = /^node:(?:internal\/)?(?:deps\/)?([^/]+)/.exec(url);
  if (node) return `node:${node[1]!.replace(/\.js$/, "")}`;
  const ours = /\/(functions|plugin-protocol|plugin-workers|cli|proto|test)\/([^/]+)/.exec(url);
  if (ours) return `${ours[1]}/${ours[2]!.replace(/\.[mc]?[jt]s$/, "")}`;
  return url;
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) return url.slice(modules + "node_modules/".length);
  const ours = /\/(functions|plugin-protocol|plugin-workers|cli|proto|test)\/.*/.exec(url);
  return ours ? ours[0].slice(1) : url.replace(/^file:\/\//, "");
}

/** The summary as two tables: top groups, top functions (self time). */
export function printCpuProfileSummary(summary: ProfileSummary, options: { top?: number; vends?: number } = {}): void {
  const top = options.top ?? 10;
  const perVend = (ms: number) => (options.vends ? `${((ms * 1000) / options.vends).toFixed(0)} µs` : "");
  const row = (e: ProfileEntry) => ({
    "self ms": e.ms.toFixed(0),
    share: `${(e.share * 100).toFixed(1)} %`,
    ...(options.vends ? { "per vend": perVend(e.ms) } : {}),
  });
  console.log(
    `CPU profile: ${summary.busyMs.toFixed(0)} ms busy, ${summary.idleMs.toFixed(0)} ms idle${options.vends ? ` (${perVend(summary.busyMs)} busy per vend)` : ""}`,
  );
  console.log(`Top ${top} groups by self time`);
  console.table(Object.fromEntries(summary.groups.slice(0, top).map((e) => [e.group, row(e)])));
  console.log(`Top ${top} functions by self time`);
  console.table(Object.fromEntries(summary.functions.slice(0, top).map((e) => [e.name.slice(0, 90), { group: e.group, ...row(e) }])));
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { skip: { type: "string", default: "0" }, vends: { type: "string" }, top: { type: "string", default: "10" } },
  });
  if (positionals.length !== 1) {
    console.error("usage: cpu-profile-summary.ts <file.cpuprofile> [--skip <seconds>] [--vends N] [--top N]");
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(positionals[0]!, "utf8")) as CpuProfile;
  printCpuProfileSummary(summarizeCpuProfile(profile, Number(values.skip) * 1000), {
    top: Number(values.top),
    ...(values.vends ? { vends: Number(values.vends) } : {}),
  });
}
