import { readFileSync } from "node:fs";
const p = JSON.parse(readFileSync(process.argv[2], "utf8"));
const target = process.argv[3];
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const name = (n) => `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.replace(/.*node_modules\//, "").replace(/.*\/main\//, "")}:${n.callFrame.lineNumber}`;
// stacks leading to target (by function name)
const stacks = new Map();
for (const n of p.nodes) {
  if (n.callFrame.functionName !== target) continue;
  const t = dt.get(n.id) ?? 0;
  const chain = [];
  let cur = parent.get(n.id);
  for (let k = 0; k < 8 && cur; k++) { chain.push(name(byId.get(cur))); cur = parent.get(cur); }
  const key = chain.join(" <- ");
  stacks.set(key, (stacks.get(key) ?? 0) + t);
}
for (const [k, v] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log((v / 1000).toFixed(0) + "ms", k, "\n");
