// Where a request's milliseconds go: named stages (oidc, policy, worker-<method>, ledger) and the
// total. A stage run inside another (the audit write of a denial, inside the policy check) counts
// for itself only, so no millisecond is counted twice and the stages never sum past the total.
// Names and durations only: a stage name is a constant of the code, never a value of the request.

/** One stage's time, in milliseconds. */
export interface StageTime {
  readonly name: string;
  readonly ms: number;
}

interface OpenStage {
  nested: number;
}

export class StageTimer {
  private readonly started: number;
  private readonly spent = new Map<string, number>();
  // Stages run one after another within a request; the innermost open one is the last.
  private readonly open: OpenStage[] = [];
  private total: number | undefined;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.started = now();
  }

  /** Runs `stage` and adds its own time (less any stage inside it), also when it fails. */
  async time<T>(stage: string, run: () => Promise<T>): Promise<T> {
    const frame: OpenStage = { nested: 0 };
    if (!this.spent.has(stage)) this.spent.set(stage, 0);
    this.open.push(frame);
    const start = this.now();
    try {
      return await run();
    } finally {
      const elapsed = this.now() - start;
      this.open.splice(this.open.lastIndexOf(frame), 1);
      const outer = this.open.at(-1);
      if (outer) outer.nested += elapsed;
      this.spent.set(stage, (this.spent.get(stage) ?? 0) + Math.max(0, elapsed - frame.nested));
    }
  }

  /** The stages in the order they first ran, then `total`; the total is fixed by the first call. */
  finish(): readonly StageTime[] {
    this.total ??= this.now() - this.started;
    return [...[...this.spent].map(([name, ms]) => ({ name, ms })), { name: "total", ms: this.total }];
  }
}
