import { readFileSync } from "node:fs";
import { printCpuProfileSummary, summarizeCpuProfile } from "../test/bench/cpu-profile-summary.js";
const p = JSON.parse(readFileSync(process.argv[2]!, "utf8"));
printCpuProfileSummary(summarizeCpuProfile(p, Number(process.argv[3] ?? 0)), { vends: 250, top: 14 });
