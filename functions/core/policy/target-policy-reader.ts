// The core's reader of target trust policies: asks the worker of the scope's provider (TrustPolicy,
// protocol 1.2), compiles what it returns, and caches the result at most 60 s per (provider,
// target, identity) in this environment. A cached copy is used only while it is younger than that
// AND no `push` marker newer than it exists; past it the worker is asked again with the copy's
// etag (a NOT_MODIFIED renews it). Any failure to read is `unavailable`: a stale copy is never used.
import type { Scope } from "../../../plugin-protocol/scope.js";
import { CredvendError } from "../errors.js";
import { systemClock, type Clock } from "../ports/clock.js";
import type { PluginDirectory, TrustPolicyAnswer } from "../ports/plugin-client.js";
import type { TrustPolicyInvalidations } from "../ports/trust-policy-invalidations.js";
import type { TargetPolicyLookup, TargetPolicySource } from "./evaluate-request.js";
import { PolicyLoadError } from "./policy-load-error.js";
import { compileTargetPolicy } from "./target-policy.js";

export const TARGET_POLICY_MAX_AGE_MS = 60_000;
const MAX_ENTRIES = 2000;

export interface TargetPolicyReaderOptions {
  readonly plugins: PluginDirectory;
  /** The central policy's issuers (a grant's literal `iss` must be one of them). */
  readonly issuers: readonly string[];
  /** Push markers from the webhooks function; absent: the 60 s bound alone. */
  readonly invalidations?: TrustPolicyInvalidations;
  readonly clock?: Clock;
  /** Default (and most) 60 s. */
  readonly maxAgeMs?: number;
}

interface Entry {
  readonly fetchedAt: number;
  readonly etag?: string;
  readonly lookup: TargetPolicyLookup;
}

export class TargetPolicyReader {
  private readonly cache = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<Entry>>();
  private readonly clock: Clock;
  private readonly maxAgeMs: number;

  constructor(private readonly options: TargetPolicyReaderOptions) {
    this.clock = options.clock ?? systemClock;
    this.maxAgeMs = Math.min(options.maxAgeMs ?? TARGET_POLICY_MAX_AGE_MS, TARGET_POLICY_MAX_AGE_MS);
  }

  /** For evaluateRequest. */
  readonly source: TargetPolicySource = (scope, identity) => this.read(scope, identity);

  async read(scope: Scope, identity: string): Promise<TargetPolicyLookup> {
    const key = `${scope.provider}\u0000${scope.resource}\u0000${identity}`;
    const cached = this.cache.get(key);
    try {
      if (cached && (await this.fresh(cached, scope))) return cached.lookup;
      // Concurrent vends that find the copy stale share one read (no burst at the 60 s mark).
      let pending = this.inflight.get(key);
      if (!pending) {
        pending = this.fetch(scope, identity, cached).finally(() => this.inflight.delete(key));
        this.inflight.set(key, pending);
      }
      const entry = await pending;
      if (entry.lookup.status !== "unavailable") this.remember(key, entry);
      else this.cache.delete(key);
      return entry.lookup;
    } catch (error) {
      this.cache.delete(key);
      // Worker and ledger errors carry caller-safe messages; anything else says nothing more.
      if (error instanceof CredvendError && error.kind === "invalid_request") return { status: "refused", reason: error.message };
      return { status: "unavailable", reason: error instanceof CredvendError ? error.message : "it could not be read" };
    }
  }

  /** Younger than the bound, and no push to where it was read (or to the target) since. */
  private async fresh(entry: Entry, scope: Scope): Promise<boolean> {
    if (this.clock.now().getTime() - entry.fetchedAt >= this.maxAgeMs) return false;
    const { invalidations } = this.options;
    if (!invalidations) return true;
    const repositories = new Set([scope.resource]);
    if (entry.lookup.status === "found" || entry.lookup.status === "invalid") repositories.add(entry.lookup.origin.repository);
    const changes = await Promise.all([...repositories].map((repository) => invalidations.lastChanged(scope.provider, repository)));
    return changes.every((changed) => changed === undefined || changed.getTime() < entry.fetchedAt);
  }

  private async fetch(scope: Scope, identity: string, cached: Entry | undefined): Promise<Entry> {
    const fetchedAt = this.clock.now().getTime();
    const worker = await this.options.plugins.forProvider(scope.provider);
    const answer: TrustPolicyAnswer = worker?.trustPolicy
      ? await worker.trustPolicy({ target: scope.resource, identity, ...(cached?.etag ? { ifNoneMatch: cached.etag } : {}) })
      : { status: "unsupported" };
    switch (answer.status) {
      case "unsupported":
        return {
          fetchedAt,
          lookup: { status: "unavailable", reason: `the ${scope.provider} worker does not read trust policies (plugin protocol 1.2)` },
        };
      case "not_modified":
        if (!cached || cached.etag !== answer.etag)
          return { fetchedAt, lookup: { status: "unavailable", reason: "the worker answered out of turn" } };
        return { ...cached, fetchedAt };
      case "not_found":
        return { fetchedAt, lookup: { status: "missing" } };
      case "too_large": {
        const origin = { repository: answer.repository, path: answer.path, commitSha: answer.commitSha };
        return { fetchedAt, lookup: { status: "invalid", origin, problems: ["the file is over the 16 KiB limit"] } };
      }
      case "invalid": {
        const origin = { repository: answer.repository, path: answer.path, commitSha: answer.commitSha };
        return { fetchedAt, etag: answer.etag, lookup: { status: "invalid", origin, problems: answer.problems } };
      }
      case "found": {
        const origin = { repository: answer.repository, path: answer.path, commitSha: answer.commitSha };
        try {
          const policy = compileTargetPolicy(parseDocument(answer.documentJson), this.options.issuers);
          return { fetchedAt, etag: answer.etag, lookup: { status: "found", policy, origin } };
        } catch (error) {
          if (!(error instanceof PolicyLoadError)) throw error;
          return { fetchedAt, etag: answer.etag, lookup: { status: "invalid", origin, problems: error.problems } };
        }
      }
    }
  }

  private remember(key: string, entry: Entry): void {
    // Bounded: the oldest entries go first (a Map iterates in insertion order).
    this.cache.delete(key);
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, entry);
  }
}

function parseDocument(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    throw new PolicyLoadError(["the worker sent a document that is not JSON"]);
  }
}
