// A PluginDirectory that hands out a worker only after verifying it: signed manifest by a trusted
// key, deployed code = the signed code hash, deployed configuration = the signed one, Describe =
// the manifest. Verdicts are cached for this
// cold start and re-checked every `recheckIntervalMs`, so a redeployed worker is noticed. A refused
// worker makes its requests fail 503 — never a fallback — with one high-urgency alert and one
// audit event each time a worker becomes refused.
import { CredvendError, WorkerError } from "../errors.js";
import { randomIds, type IdSource } from "../ids.js";
import { verifyWorker, type DeployedConfiguration, type TrustStore, type TrustedRegistration, type WorkerVerdict } from "./index.js";
import { systemClock, type Clock } from "../ports/clock.js";
import { silentLogger, type Logger } from "../ports/logger.js";
import type { Notifier } from "../ports/notifier.js";
import type { PluginClient, PluginDirectory, SingleStepPluginClient } from "../ports/plugin-client.js";
import { parseProtocolVersion } from "../../../plugin-protocol/protocol-version.js";
import { manifestProtocolVersion } from "./manifest.js";
import { clientForProtocol } from "./protocol-steps.js";
import type { AuditEvent } from "../records.js";
import type { WorkerConfiguration, WorkerDescription } from "../../../plugin-protocol/types.js";

/** Where a worker's deployed code and configuration come from (Lambda, or a local zip: hash only). */
export interface DeployedCode {
  configuration(): Promise<DeployedConfiguration>;
}

export interface VerifiedWorkerEntry {
  readonly registration: TrustedRegistration;
  readonly client: SingleStepPluginClient;
  /** Required when the registration is signed. */
  readonly code?: DeployedCode;
}

export interface VerifiedPluginDirectoryOptions {
  readonly workers: readonly VerifiedWorkerEntry[];
  readonly trust: TrustStore;
  readonly notifier: Notifier;
  /** Where worker_refused / worker_unsigned events go (the ledger's appendAudit). */
  readonly audit: (event: AuditEvent) => Promise<void>;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly ids?: IdSource;
  /** How long a verdict holds before the next request re-checks it. Default 5 minutes. */
  readonly recheckIntervalMs?: number;
}

export type WorkerStatus =
  | { readonly status: "verified" | "unsigned" | "refused" | "unverifiable"; readonly detail: string }
  | { readonly status: "unchecked"; readonly detail: "" };

export interface WorkerStatusRow {
  readonly name: string;
  readonly providers: readonly string[];
  readonly checkedAt?: string;
  readonly state: WorkerStatus;
  /** What the worker's last Describe said of its configuration; absent: it did not say (unknown). */
  readonly configuration?: WorkerConfiguration;
}

interface Cached {
  readonly verdict: WorkerVerdict;
  readonly checkedAt: number;
  readonly configuration?: WorkerConfiguration;
}

type Outcome = { verdict: WorkerVerdict } | { unverifiable: unknown };

export class VerifiedPluginDirectory implements PluginDirectory {
  private readonly byProvider = new Map<string, VerifiedWorkerEntry>();
  private readonly cache = new Map<string, Cached>();
  private readonly inFlight = new Map<string, Promise<Outcome>>();
  private readonly lastError = new Map<string, string>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly ids: IdSource;
  private readonly recheckMs: number;

  constructor(private readonly options: VerifiedPluginDirectoryOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.ids = options.ids ?? randomIds;
    this.recheckMs = options.recheckIntervalMs ?? 5 * 60_000;
    for (const entry of options.workers) {
      if (entry.registration.signed && !entry.code)
        throw new Error(`worker ${entry.registration.name}: a signed worker needs its deployed code`);
      for (const provider of entry.registration.providers) {
        const existing = this.byProvider.get(provider);
        if (existing)
          throw new Error(`provider "${provider}" is served by both ${existing.registration.name} and ${entry.registration.name}`);
        this.byProvider.set(provider, entry);
      }
    }
  }

  async forProvider(provider: string): Promise<PluginClient | undefined> {
    const entry = this.byProvider.get(provider);
    if (!entry) return undefined;
    const outcome = await this.current(entry);
    const name = entry.registration.name;
    if ("unverifiable" in outcome)
      throw new WorkerError(name, "unavailable", `worker ${name} could not be verified; try again later`, { cause: outcome.unverifiable });
    const { verdict } = outcome;
    // The caller learns that the worker is refused, not why: the why is in the alert and audit.
    // Protocol versions are no secret and tell the operator what to upgrade: those are named.
    if (verdict.status === "refused")
      throw new CredvendError(
        "unavailable",
        "worker_refused",
        verdict.reason === "incompatible_protocol" ? verdict.detail : `worker ${name} failed verification and is refused`,
      );
    if (verdict.status !== "verified") return entry.client;
    if (!verdict.manifest.providers.includes(provider))
      throw new CredvendError("unavailable", "worker_refused", `worker ${name} is not signed for provider ${provider}`);
    // Verified means compatible, so the version parses.
    const version = parseProtocolVersion(manifestProtocolVersion(verdict.manifest))!;
    return clientForProtocol(entry.client, version, verdict.manifest.capabilities);
  }

  providers(): readonly string[] {
    return [...this.byProvider.keys()].sort();
  }

  /** The provider's worker checked now if its verdict is missing or stale (shared with forProvider's wait). */
  prefetch(provider: string): void {
    const entry = this.byProvider.get(provider);
    if (entry) this.current(entry).catch(() => undefined);
  }

  /** Verifies every worker now (cold start, `plugin list`, the bench). */
  async verifyAll(): Promise<WorkerStatusRow[]> {
    await Promise.all(this.options.workers.map((entry) => this.current(entry)));
    return this.status();
  }

  /**
   * The status, after a first check of every worker never checked yet (a cold start nobody vended
   * on). Never re-checks: a caller asking again and again costs no worker call.
   */
  async statusAfterFirstCheck(): Promise<WorkerStatusRow[]> {
    const unchecked = this.options.workers.filter(
      ({ registration }) => !this.cache.has(registration.name) && !this.lastError.has(registration.name),
    );
    await Promise.all(unchecked.map((entry) => this.current(entry)));
    return this.status();
  }

  status(): WorkerStatusRow[] {
    return this.options.workers.map(({ registration }) => {
      const cached = this.cache.get(registration.name);
      const error = this.lastError.get(registration.name);
      const state: WorkerStatus = error
        ? { status: "unverifiable", detail: error }
        : cached
          ? { status: cached.verdict.status, detail: detailOf(cached.verdict) }
          : { status: "unchecked", detail: "" };
      return {
        name: registration.name,
        providers: registration.providers,
        ...(cached ? { checkedAt: new Date(cached.checkedAt).toISOString() } : {}),
        state,
        ...(cached?.configuration ? { configuration: cached.configuration } : {}),
      };
    });
  }

  private current(entry: VerifiedWorkerEntry): Promise<Outcome> {
    const name = entry.registration.name;
    const cached = this.cache.get(name);
    if (cached && this.clock.now().getTime() - cached.checkedAt < this.recheckMs) return Promise.resolve({ verdict: cached.verdict });
    let running = this.inFlight.get(name);
    if (!running) {
      running = this.check(entry, cached).finally(() => this.inFlight.delete(name));
      this.inFlight.set(name, running);
    }
    return running;
  }

  private async check(entry: VerifiedWorkerEntry, previous: Cached | undefined): Promise<Outcome> {
    const { registration, client, code } = entry;
    let verdict: WorkerVerdict;
    let described: WorkerDescription | undefined;
    try {
      verdict = await verifyWorker(registration, this.options.trust, {
        deployedConfiguration: () => code!.configuration(),
        describe: async () => (described = await client.describe()),
      });
    } catch (error) {
      // No evidence is not a verdict: nothing is cached, the next request tries again.
      this.lastError.set(registration.name, (error as Error).message ?? "verification failed");
      this.logger.log("warn", "worker could not be verified", {
        worker: registration.name,
        error: error instanceof Error ? error : String(error),
      });
      return { unverifiable: error };
    }
    this.lastError.delete(registration.name);
    const configuration = described?.configuration;
    this.cache.set(registration.name, { verdict, checkedAt: this.clock.now().getTime(), ...(configuration ? { configuration } : {}) });
    await this.report(registration, verdict, previous?.verdict);
    return { verdict };
  }

  private async report(registration: TrustedRegistration, verdict: WorkerVerdict, previous: WorkerVerdict | undefined): Promise<void> {
    const worker = registration.name;
    if (verdict.status === "verified") {
      const keyId = verdict.manifest.publisherKeyId;
      this.logger.log(previous?.status === "refused" ? "warn" : "info", "worker verified", {
        worker,
        keyId,
        version: verdict.manifest.version,
      });
      return;
    }
    if (verdict.status === "unsigned") {
      // Once per cold start (the first check), as the opt-in promises: loud but not per request.
      if (previous) return;
      this.logger.log("warn", "worker runs UNSIGNED (allowUnsigned: true)", { worker });
      await this.auditQuietly({ type: "worker_unsigned", reason: "allow_unsigned", details: { worker, detail: verdict.detail } });
      return;
    }
    if (previous?.status === "refused" && previous.reason === verdict.reason && previous.detail === verdict.detail) return;
    this.logger.log("error", "worker refused", { worker, reason: verdict.reason, detail: verdict.detail });
    await this.auditQuietly({ type: "worker_refused", reason: verdict.reason, details: { worker, detail: verdict.detail } });
    await this.options.notifier
      .notify({
        urgency: "high",
        kind: "worker_refused",
        title: `credvend refused worker ${worker}: ${verdict.reason}`,
        details: { worker, reason: verdict.reason, detail: verdict.detail, providers: registration.providers.join(", ") },
      })
      .catch((error: unknown) =>
        this.logger.log("error", "could not send the worker_refused alert", { worker, error: (error as Error).name }),
      );
  }

  private async auditQuietly(event: Pick<AuditEvent, "type" | "reason" | "details">): Promise<void> {
    const full: AuditEvent = { eventId: this.ids.eventId(), at: this.clock.now().toISOString(), ...event };
    await this.options
      .audit(full)
      .catch((error: unknown) =>
        this.logger.log("error", "could not write the audit event", { type: event.type, error: (error as Error).name }),
      );
  }
}

function detailOf(verdict: WorkerVerdict): string {
  if (verdict.status === "verified") return `signed by ${verdict.manifest.publisherKeyId}, version ${verdict.manifest.version}`;
  if (verdict.status === "unsigned") return verdict.detail;
  return `${verdict.reason}: ${verdict.detail}`;
}
