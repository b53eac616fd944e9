// A circuit breaker per worker: after `failureThreshold` failures in a row it opens and calls fail
// fast; after `openMs` one probe is let through (half-open): success closes it, failure re-opens.
import { systemClock, type Clock } from "../../core/ports/clock.js";

export type BreakerState = "closed" | "open" | "half_open";

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  readonly failureThreshold?: number;
  /** How long it stays open before a probe. Default 10 000 ms. */
  readonly openMs?: number;
  readonly clock?: Clock;
}

export class CircuitOpenError extends Error {
  override readonly name = "CircuitOpenError";
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private probing = false;
  private readonly failureThreshold: number;
  private readonly openMs: number;
  private readonly clock: Clock;

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = Math.max(1, options.failureThreshold ?? 5);
    this.openMs = options.openMs ?? 10_000;
    this.clock = options.clock ?? systemClock;
  }

  state(): BreakerState {
    if (this.openedAt === undefined) return "closed";
    return this.clock.now().getTime() - this.openedAt >= this.openMs ? "half_open" : "open";
  }

  /**
   * Runs `call` unless the circuit is open. `isFailure` says which errors count: a caller's bad
   * input is the worker working correctly and must not open the circuit.
   */
  async run<T>(call: () => Promise<T>, isFailure: (error: unknown) => boolean): Promise<T> {
    const state = this.state();
    if (state === "open" || (state === "half_open" && this.probing)) throw new CircuitOpenError("circuit open");
    const probe = state === "half_open";
    if (probe) this.probing = true;
    try {
      const result = await call();
      this.close();
      return result;
    } catch (error) {
      if (isFailure(error)) this.recordFailure(probe);
      else if (probe) this.close(); // the worker answered (with a refusal): it is up again
      throw error;
    } finally {
      if (probe) this.probing = false;
    }
  }

  private close(): void {
    this.failures = 0;
    this.openedAt = undefined;
  }

  private recordFailure(probe: boolean): void {
    this.failures++;
    if (probe || this.failures >= this.failureThreshold) this.openedAt = this.clock.now().getTime();
  }
}
