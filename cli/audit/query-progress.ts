// A live "reading…" line on stderr while a query pages through the ledger, so a long one does not
// look hung. Only on a terminal, only once the query has taken a moment, and erased at the end so
// it never mixes with the output (which goes to stdout).
import type { ReadProgress } from "../../functions/adapters/ledger/dynamodb-audit-reader.js";

export interface ProgressLine {
  update(progress: ReadProgress): void;
  done(): void;
}

export interface ProgressOptions {
  readonly write: (text: string) => void;
  /** Whether stderr is a terminal (else nothing is shown). */
  readonly interactive: boolean;
  /** Milliseconds before the first line shows. Default 400. */
  readonly delayMs?: number;
  readonly now?: () => number;
}

export function progressLine(options: ProgressOptions): ProgressLine {
  if (!options.interactive) return { update: () => undefined, done: () => undefined };
  const now = options.now ?? Date.now;
  const started = now();
  let shown = false;
  let last = 0;
  return {
    update({ pages, scanned }) {
      const at = now();
      if (at - started < (options.delayMs ?? 400) || at - last < 100) return;
      last = at;
      shown = true;
      options.write(`\r\x1b[2Kreading the ledger… ${pages} page${pages === 1 ? "" : "s"}, ${scanned} items`);
    },
    done() {
      if (shown) options.write("\r\x1b[2K");
    },
  };
}
