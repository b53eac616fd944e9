import { readFileSync } from "node:fs";
const p = JSON.parse(readFileSync(process.argv[2], "utf8"));
const match = process.argv[3];
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (n) => `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.replace(/.*node_modules\//, "").replace(/.*\/main\//, "")}:${n.callFrame.lineNumber}`;
// inclusive time per function name (count each sample once per function)
const incl = new Map(), self = new Map();
for (const n of p.nodes) {
  const t = dt.get(n.id) ?? 0; if (!t) continue;
  const seen = new Set();
  let cur = n.id; let first = true;
  while (cur) { const nm = name(byId.get(cur)); if (first) { self.set(nm, (self.get(nm) ?? 0) + t); first = false; } if (!seen.has(nm)) { seen.add(nm); incl.set(nm, (incl.get(nm) ?? 0) + t); } cur = parent.get(cur); }
}
const rows = [...incl].filter(([k]) => k.includes(match)).sort((a, b) => b[1] - a[1]).slice(0, 40);
for (const [k, v] of rows) console.log((v / 1000).toFixed(0).padStart(6), ((self.get(k) ?? 0) / 1000).toFixed(0).padStart(6), k);
