// CREDVEND_NOTIFIERS: the chat and webhook notifiers of a deployed function, as the stack writes
// them from the deployment config: `[{"name","kind":"slack"|"webhook","secretId","minUrgency"}]`.
// Only where each one's destination is kept (a Secrets Manager secret), never the destination.
import { ConfigError } from "../../../plugin-workers/sdk/env.js";
import type { Urgency } from "../../core/ports/notifier.js";

export const NOTIFIER_KINDS = ["slack", "webhook"] as const;
export type NotifierKind = (typeof NOTIFIER_KINDS)[number];

export interface NotifierConfig {
  readonly name: string;
  readonly kind: NotifierKind;
  /** The secret's ARN or name: the incoming-webhook URL (slack) or {"url","signingSecret"} (webhook). */
  readonly secretId: string;
  /** `high`: only alerts that need a human now. Default `low` (every alert). */
  readonly minUrgency: Urgency;
}

export function parseNotifiers(text: string): NotifierConfig[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError("CREDVEND_NOTIFIERS: not valid JSON");
  }
  if (!Array.isArray(value)) throw new ConfigError('CREDVEND_NOTIFIERS: must be a JSON array of {"name","kind","secretId"}');
  const names = new Set<string>();
  return value.map((item: unknown, i) => {
    const entry = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
    const where = `CREDVEND_NOTIFIERS[${i}]`;
    if (typeof entry.name !== "string" || !/^[a-z][a-z0-9-]{0,62}$/.test(entry.name))
      throw new ConfigError(`${where}.name: must be a lower-case name`);
    if (names.has(entry.name)) throw new ConfigError(`${where}.name: "${entry.name}" is used twice`);
    names.add(entry.name);
    if (!NOTIFIER_KINDS.includes(entry.kind as NotifierKind))
      throw new ConfigError(`${where}.kind: must be one of ${NOTIFIER_KINDS.join(", ")}`);
    if (typeof entry.secretId !== "string" || entry.secretId === "") throw new ConfigError(`${where}.secretId: required`);
    const minUrgency = entry.minUrgency ?? "low";
    if (minUrgency !== "low" && minUrgency !== "high") throw new ConfigError(`${where}.minUrgency: must be low or high`);
    return { name: entry.name, kind: entry.kind as NotifierKind, secretId: entry.secretId, minUrgency };
  });
}
