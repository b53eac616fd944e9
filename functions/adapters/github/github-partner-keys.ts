// GitHub's secret-scanning partner keys, from `{GITHUB_API_URL}/meta/public_keys/secret_scanning`:
// cached, and refetched once when a request names a key identifier we do not know (GitHub
// rotated), at most once per `minRefetchMs` so random identifiers cannot make us hammer GitHub.
import { createPublicKey, type KeyObject } from "node:crypto";
import { CredvendError } from "../../core/errors.js";
import { systemClock, type Clock } from "../../core/ports/clock.js";
import { fetchJsonBounded } from "../../http/bounded-json-fetch.js";

export interface PartnerKeysOptions {
  /** e.g. https://api.github.com (GITHUB_API_URL). */
  readonly apiUrl: string;
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
  readonly cacheMs?: number;
  readonly minRefetchMs?: number;
  readonly timeoutMs?: number;
}

interface Fetched {
  readonly keys: ReadonlyMap<string, KeyObject>;
  readonly atMs: number;
}

export class GitHubPartnerKeys {
  private readonly options: PartnerKeysOptions;
  private readonly clock: Clock;
  private cached: Fetched | undefined;
  private inflight: Promise<Fetched> | undefined;

  constructor(options: PartnerKeysOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
  }

  /** The key, or undefined when GitHub does not publish it. CredvendError `github_keys_unavailable`
   *  when the keys cannot be fetched. */
  async key(identifier: string): Promise<KeyObject | undefined> {
    const now = this.clock.now().getTime();
    let fetched = this.cached;
    if (!fetched || now - fetched.atMs > (this.options.cacheMs ?? 3_600_000)) fetched = await this.fetch();
    const known = fetched.keys.get(identifier);
    if (known || now - fetched.atMs < (this.options.minRefetchMs ?? 60_000)) return known;
    return (await this.fetch()).keys.get(identifier);
  }

  private fetch(): Promise<Fetched> {
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async load(): Promise<Fetched> {
    const url = `${this.options.apiUrl.replace(/\/+$/, "")}/meta/public_keys/secret_scanning`;
    let document: unknown;
    try {
      document = await fetchJsonBounded(url, {
        fetch: this.options.fetch ?? fetch,
        timeoutMs: this.options.timeoutMs ?? 5_000,
        maxBytes: 256 * 1024,
      });
    } catch (error) {
      throw new CredvendError("unavailable", "github_keys_unavailable", "GitHub's secret scanning keys could not be fetched", {
        cause: error,
      });
    }
    const keys = new Map<string, KeyObject>();
    const list = (document as { public_keys?: unknown })?.public_keys;
    for (const entry of Array.isArray(list) ? list : []) {
      const { key_identifier: id, key } = (entry ?? {}) as { key_identifier?: unknown; key?: unknown };
      if (typeof id !== "string" || typeof key !== "string") continue;
      try {
        keys.set(id, createPublicKey(key));
      } catch {
        // One unreadable key must not hide the others.
      }
    }
    this.cached = { keys, atMs: this.clock.now().getTime() };
    return this.cached;
  }
}
