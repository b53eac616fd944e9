// The alert poller: GitHub never redelivers a failed webhook, so open secret-scanning alerts are
// also listed on a schedule, newest first, down to a watermark kept in the ledger per watched
// owner; each one goes to the leak handler as a webhook would (it collapses duplicates: a known
// detection only adds `detected_again`). A run is bounded (time, alerts) and stops at a rate
// limit, keeping its place:
//   walk done                → watermark = the newest alert seen (its time, and the alerts at it)
//   stopped part-way         → the walk's top and the page to resume from are kept; the next run
//                              resumes there, and adopts the top once it reaches the watermark
//   alert listed without its secret → a pending alert, read by the sweeper (leak-sweeper.ts)
import { systemClock, type Clock } from "../ports/clock.js";
import type { CredentialLedger } from "../ports/credential-ledger.js";
import { silentLogger, type Logger } from "../ports/logger.js";
import { tokenHash } from "../../../plugin-protocol/token-hash.js";
import type { LeakHandler } from "./leak-handler.js";

export interface ListedAlert {
  /** `owner/name`. */
  readonly repository: string;
  readonly number: number;
  /** Absent when the caller may not read it (the sweeper reads it again). */
  readonly secret?: string;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly url?: string;
  readonly secretType?: string;
}

export type AlertScope = { readonly owner: string } | { readonly repository: string };

/** Lists open secret-scanning alerts newest first; `cursor` is an opaque `nextCursor`. With the
 *  `etag` of an earlier first page, a list that has not changed answers `notModified` (a
 *  conditional request, which GitHub does not count against the rate limit). Raises CredvendError
 *  `github_rate_limited` at a rate limit. */
export interface AlertLister {
  listOpen(query: AlertScope & { readonly cursor?: string; readonly etag?: string }): Promise<AlertPage>;
}

export interface AlertPage {
  readonly alerts: readonly ListedAlert[];
  readonly nextCursor?: string;
  /** The first page's validator, sent back as `etag` by the next run. */
  readonly etag?: string;
  /** True when `etag` still matched: nothing was listed, nothing changed. */
  readonly notModified?: boolean;
}

export interface AlertPollerDeps {
  readonly ledger: CredentialLedger;
  readonly handler: Pick<LeakHandler, "handle">;
  readonly lister: AlertLister;
  /** Owners (`acme`) or repositories (`acme/web`) to watch. */
  readonly watch: readonly string[];
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Budget of one run. Default 50 s. */
  readonly budgetMs?: number;
  /** Alerts handed to the handler per run. Default 500. */
  readonly maxAlerts?: number;
}

export interface PollReport {
  readonly handled: number;
  readonly pendingReads: number;
  /** Why the run stopped before reaching every watermark, if it did. */
  readonly stopped?: "budget" | "max_alerts" | "rate_limited" | "failed";
}

/** A point in the list: a creation time and the alerts created at it (seconds collide). */
interface Mark {
  readonly at: string;
  readonly seen: readonly string[];
}

interface Watermark {
  readonly mark?: Mark;
  /** The first page's ETag when the last walk ended: the next run asks "changed since?". */
  readonly etag?: string;
  /** An unfinished walk: its top (the next mark) and the page to resume from. */
  readonly walk?: { readonly top: Mark; readonly cursor?: string };
}

export class AlertPoller {
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly deps: AlertPollerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? silentLogger;
  }

  async poll(): Promise<PollReport> {
    const deadline = this.clock.now().getTime() + (this.deps.budgetMs ?? 50_000);
    const counts = { handled: 0, pendingReads: 0, left: this.deps.maxAlerts ?? 500 };
    let failed = false;
    for (const target of this.deps.watch) {
      const stopped = await this.pollOne(target, deadline, counts);
      // One owner GitHub refuses (the App not installed there, a permission missing) must not
      // leave the others unwatched; a budget, a cap or a rate limit ends the run.
      if (stopped === "failed") failed = true;
      else if (stopped) return { handled: counts.handled, pendingReads: counts.pendingReads, stopped };
    }
    return { handled: counts.handled, pendingReads: counts.pendingReads, ...(failed ? { stopped: "failed" as const } : {}) };
  }

  private async pollOne(
    target: string,
    deadline: number,
    counts: { handled: number; pendingReads: number; left: number },
  ): Promise<PollReport["stopped"]> {
    const name = `alerts:${target}`;
    const saved = parseWatermark(await this.deps.ledger.getWatermark(name));
    const scope: AlertScope = target.includes("/") ? { repository: target } : { owner: target };
    let top = saved.walk?.top;
    let cursor = saved.walk?.cursor;
    // Only a walk from the top learns the first page's ETag, and only a finished one may ask with it.
    const fromTop = cursor === undefined;
    let etag: string | undefined;
    const keep = (stopped: NonNullable<PollReport["stopped"]>, resumeAt: string | undefined) => {
      const walk = top ? { top, ...(resumeAt ? { cursor: resumeAt } : {}) } : undefined;
      this.logger.log(stopped === "rate_limited" || stopped === "failed" ? "warn" : "info", "alert poll stopped", {
        target,
        stopped,
      });
      return this.save(name, { ...(saved.mark ? { mark: saved.mark } : {}), ...(walk ? { walk } : {}) }).then(() => stopped);
    };
    for (;;) {
      if (this.clock.now().getTime() >= deadline) return keep("budget", cursor);
      let page: AlertPage;
      const ask = fromTop && !cursor && saved.mark && saved.etag ? { etag: saved.etag } : {};
      try {
        page = await this.deps.lister.listOpen({ ...scope, ...(cursor ? { cursor } : {}), ...ask });
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        this.logger.log("warn", "alert list failed", { target, code: typeof code === "string" ? code : undefined });
        return keep(code === "github_rate_limited" ? "rate_limited" : "failed", cursor);
      }
      if (page.notModified) return this.finish(name, saved.mark, saved.etag);
      if (fromTop && !cursor) etag = page.etag;
      for (const alert of page.alerts) {
        // Strictly older than the watermark: everything from here on was walked before.
        if (saved.mark && time(alert.createdAt) < time(saved.mark.at)) return this.finish(name, top ?? saved.mark, etag);
        if (saved.mark?.seen.includes(keyOf(alert)) && time(alert.createdAt) === time(saved.mark.at)) continue;
        if (counts.left <= 0) return keep("max_alerts", cursor);
        if (this.clock.now().getTime() >= deadline) return keep("budget", cursor);
        await this.handleOne(alert, deadline, counts);
        top = raise(top, alert);
      }
      if (!page.nextCursor) return this.finish(name, top ?? saved.mark, etag);
      cursor = page.nextCursor;
    }
  }

  private async handleOne(alert: ListedAlert, deadline: number, counts: { handled: number; pendingReads: number; left: number }) {
    counts.left--;
    const [owner = "", repo = ""] = alert.repository.split("/");
    if (!alert.secret) {
      // The list did not carry it (permission, or GitHub has not filled it in): the sweeper reads it.
      await this.deps.ledger.recordPendingAlert({
        owner,
        repo,
        number: alert.number,
        attempts: 0,
        dueAt: this.clock.now().getTime(),
        ...(alert.url ? { url: alert.url } : {}),
        ...(alert.secretType ? { secretType: alert.secretType } : {}),
      });
      counts.pendingReads++;
      return;
    }
    await this.deps.handler.handle(
      {
        tokenHash: tokenHash(alert.secret),
        source: {
          channel: "secret_scanning_alert",
          repository: alert.repository,
          alertNumber: String(alert.number),
          ...(alert.url ? { url: alert.url } : {}),
          ...(alert.secretType ? { secretType: alert.secretType } : {}),
        },
      },
      { budgetMs: Math.max(0, deadline - this.clock.now().getTime()) },
    );
    counts.handled++;
  }

  private async finish(name: string, mark: Mark | undefined, etag: string | undefined): Promise<undefined> {
    await this.save(name, { ...(mark ? { mark } : {}), ...(mark && etag ? { etag } : {}) });
    return undefined;
  }

  private save(name: string, watermark: Watermark): Promise<void> {
    return this.deps.ledger.putWatermark(name, JSON.stringify(watermark));
  }
}

const keyOf = (alert: ListedAlert) => `${alert.repository}#${alert.number}`;

const time = (iso: string) => Date.parse(iso);

/** The newest point of a walk: the first alert's time, with every alert at that time. */
function raise(top: Mark | undefined, alert: ListedAlert): Mark {
  if (!top || time(alert.createdAt) > time(top.at)) return { at: alert.createdAt, seen: [keyOf(alert)] };
  if (time(alert.createdAt) === time(top.at)) return { at: top.at, seen: [...top.seen, keyOf(alert)] };
  return top;
}

function parseWatermark(text: string | undefined): Watermark {
  if (!text) return {};
  try {
    return JSON.parse(text) as Watermark;
  } catch {
    return {};
  }
}
