// Where a vend's milliseconds go, from the client's side: each answer's Server-Timing entries
// beside the wall time the client measured. Per vend, the time inside the server that no stage
// claims (total − Σ stages) and the time outside the server's total (wall − total: HTTP on
// loopback, JSON, the client) are computed first; then every row's p50, p99 and mean. Under load
// the p50 of a sum is not the sum of the p50s; the means add up exactly, row for row.

const ENTRY = /^([a-z][a-z0-9-]*);dur=(\d+(?:\.\d+)?)$/;

interface BreakdownRow {
  readonly p50: string;
  readonly p99: string;
  readonly mean: string;
  readonly "mean share of wall": string;
}

export class ServerTimingBreakdown {
  private readonly samples = new Map<string, number[]>();
  private count = 0;

  /** One vend: its answer's Server-Timing header and the wall time the client measured. */
  add(header: string | null, wallMs: number): void {
    const stages = new Map<string, number>();
    for (const part of (header ?? "").split(",")) {
      const match = ENTRY.exec(part.trim());
      if (!match) throw new Error(`malformed Server-Timing entry "${part.trim()}" in "${header}"`);
      stages.set(match[1]!, Number(match[2]));
    }
    const total = stages.get("total");
    if (total === undefined) throw new Error(`Server-Timing without total: "${header}"`);
    stages.delete("total");
    const sum = [...stages.values()].reduce((a, b) => a + b, 0);
    // A stage absent from this answer took no time in it.
    for (const name of this.samples.keys()) if (!stages.has(name) && !DERIVED.has(name)) stages.set(name, 0);
    for (const [name, ms] of stages) this.push(name, ms);
    this.push(SUM, sum);
    this.push(NO_STAGE, total - sum);
    this.push(TOTAL, total);
    this.push(OUTSIDE, wallMs - total);
    this.push(WALL, wallMs);
    this.count++;
  }

  /** Each vend's wall time as the client measured it, in the order added. */
  wallTimes(): readonly number[] {
    return this.samples.get(WALL) ?? [];
  }

  /** The table: every stage in the order first seen, then the derived rows. */
  rows(): Record<string, BreakdownRow> {
    const wall = this.mean(WALL);
    const rows: Record<string, BreakdownRow> = {};
    const order = [...[...this.samples.keys()].filter((name) => !DERIVED.has(name)), SUM, NO_STAGE, TOTAL, OUTSIDE, WALL];
    for (const name of order) {
      const mean = this.mean(name);
      rows[name] = {
        p50: `${this.p(name, 0.5).toFixed(2)} ms`,
        p99: `${this.p(name, 0.99).toFixed(2)} ms`,
        mean: `${mean.toFixed(2)} ms`,
        "mean share of wall": `${((100 * mean) / wall).toFixed(0)} %`,
      };
    }
    return rows;
  }

  /** One line against the target: how much of the wall time the stages and the server's total explain. */
  coverage(): string {
    const share = (name: string) => `${((100 * this.mean(name)) / this.mean(WALL)).toFixed(0)} %`;
    return `Σ stages = ${share(SUM)} of the wall time and the server's total ${share(TOTAL)} (means; target: the stages within 10 % of it)`;
  }

  get vends(): number {
    return this.count;
  }

  private push(name: string, ms: number): void {
    const list = this.samples.get(name) ?? Array.from({ length: this.count }, () => 0);
    list.push(ms);
    this.samples.set(name, list);
  }

  private mean(name: string): number {
    const list = this.samples.get(name) ?? [];
    return list.reduce((a, b) => a + b, 0) / list.length;
  }

  private p(name: string, quantile: number): number {
    const sorted = [...(this.samples.get(name) ?? [])].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? Number.NaN;
  }
}

const SUM = "Σ stages";
const NO_STAGE = "in the server, in no stage (total − Σ)";
const TOTAL = "total (server, Server-Timing)";
const OUTSIDE = "outside the server (wall − total)";
const WALL = "wall (measured by the client)";
const DERIVED = new Set([SUM, NO_STAGE, TOTAL, OUTSIDE, WALL]);
