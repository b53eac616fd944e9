// A value built from something that changes outside the process (a Secrets Manager secret): read
// at start, where a failure is the caller's (a bad config fails the cold start), then read again
// once its time to live has passed. A failed refresh keeps the previous value, so a blip of the
// source or a bad new value never takes a working instance down.
import { systemClock, type Clock } from "./clock.js";

/** How long a secret read at run time is reused: a value put after deploy is in use within this. */
export const SECRET_TTL_MS = 5 * 60_000;

export interface RefreshingOptions<T> {
  /** How long `value` is reused; 0 reads again on the next call. Default SECRET_TTL_MS. */
  readonly ttlMs?: (value: T) => number;
  readonly clock?: Clock;
  /** A refresh failed: the previous value stays (the error is for the log, never a secret). */
  readonly onRefreshError?: (error: unknown) => void;
}

export class Refreshing<T> {
  private value: T;
  private readAt: number;
  private pending: Promise<T> | undefined;

  private constructor(
    private readonly load: (previous?: T) => Promise<T>,
    private readonly options: RefreshingOptions<T>,
    first: T,
  ) {
    this.value = first;
    this.readAt = this.now();
  }

  /** Loads the first value; its failure is thrown. `load` gets the previous value to reuse parts of. */
  static async start<T>(load: (previous?: T) => Promise<T>, options: RefreshingOptions<T> = {}): Promise<Refreshing<T>> {
    return new Refreshing(load, options, await load());
  }

  /** The value, read again first when its time to live has passed (one read at a time). */
  current(): Promise<T> {
    const ttl = this.options.ttlMs?.(this.value) ?? SECRET_TTL_MS;
    if (this.now() - this.readAt < ttl) return Promise.resolve(this.value);
    this.pending ??= this.refresh().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async refresh(): Promise<T> {
    try {
      this.value = await this.load(this.value);
    } catch (error) {
      this.options.onRefreshError?.(error);
    }
    this.readAt = this.now();
    return this.value;
  }

  private now(): number {
    return (this.options.clock ?? systemClock).now().getTime();
  }
}
