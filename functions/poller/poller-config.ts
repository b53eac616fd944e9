// The alert poller's configuration: what every leak-response function reads, plus the owners and
// repositories whose open alerts it lists (CREDVEND_ALERT_POLL_WATCH, comma-separated).
import * as z from "zod/mini";
import { ConfigError, parsedBy, readEnv, required, type Env } from "../../plugin-workers/sdk/env.js";
import {
  appIdWithKey,
  LEAK_RESPONSE_VARIABLES,
  leakResponseConfig,
  type LeakResponseConfig,
} from "../leak-response/leak-response-config.js";

export interface PollerConfig extends LeakResponseConfig {
  /** Owners (`acme`) and repositories (`acme/web`), as GitHub's list endpoints take them. */
  readonly watch: readonly string[];
}

/** An owner (`acme`) or a repository (`acme/web`): names, never globs (the list endpoints take names). */
const WATCH_ENTRY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9_.-]{1,100})?$/;

const pollerEnv = z.pipe(
  z
    .object({
      ...LEAK_RESPONSE_VARIABLES,
      CREDVEND_ALERT_POLL_WATCH: z.pipe(
        required(),
        parsedBy((list: string) => {
          const entries = [
            ...new Set(
              list
                .split(",")
                .map((entry) => entry.trim())
                .filter(Boolean),
            ),
          ];
          const bad = entries.find((entry) => !WATCH_ENTRY.test(entry));
          if (bad !== undefined) throw new ConfigError(`CREDVEND_ALERT_POLL_WATCH: "${bad}" is not an owner or owner/repository name`);
          if (entries.length === 0) throw new ConfigError("CREDVEND_ALERT_POLL_WATCH: names no owner or repository");
          return entries;
        }),
      ),
    })
    .check(appIdWithKey),
  z.transform((env): PollerConfig => ({ ...leakResponseConfig(env), watch: env.CREDVEND_ALERT_POLL_WATCH })),
);

export function loadPollerConfig(env: Env = process.env): PollerConfig {
  return readEnv(pollerEnv, env);
}
