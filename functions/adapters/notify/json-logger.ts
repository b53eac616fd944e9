import type { LogLevel, Logger } from "../../core/ports/logger.js";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** One JSON object per line (CloudWatch and `jq` read it as is). */
export class JsonLogger implements Logger {
  constructor(
    private readonly options: {
      readonly service: string;
      readonly level?: LogLevel;
      readonly write?: (line: string) => void;
    },
  ) {}

  log(level: LogLevel, message: string, fields: Readonly<Record<string, unknown>> = {}): void {
    if (ORDER[level] < ORDER[this.options.level ?? "info"]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level, service: this.options.service, message, ...fields }, errorsAsText);
    (this.options.write ?? ((text: string) => process.stderr.write(`${text}\n`)))(line);
  }
}

// An Error serializes to {} by default; keep its name and message, which never hold secrets
// because domain errors are written to be shown.
function errorsAsText(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}
