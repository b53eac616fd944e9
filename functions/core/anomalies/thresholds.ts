// The anomaly rules' thresholds, from the deployment config's `anomalies` section (the stack
// passes it as CREDVEND_ANOMALY_THRESHOLDS; `credvend audit anomalies --config` reads the file).
// Every field is optional: unset ones keep these defaults.

export interface AnomalyThresholds {
  /** How far back a repository's history reaches for "never seen" and "usual". */
  readonly lookbackDays: number;
  /** Vends a repository needs in the lookback before its habits count (fewer: no habit rules). */
  readonly minHistoryVends: number;
  /** This many denials of one repository within the window is a burst. */
  readonly denialBurstCount: number;
  readonly denialBurstWindowMinutes: number;
  /** A vend is at a usual hour when the history has a vend within this many hours of it (UTC, circular). */
  readonly usualHourMargin: number;
}

export const DEFAULT_ANOMALY_THRESHOLDS: AnomalyThresholds = {
  lookbackDays: 14,
  minHistoryVends: 10,
  denialBurstCount: 10,
  denialBurstWindowMinutes: 10,
  usualHourMargin: 1,
};

const LIMITS: Record<keyof AnomalyThresholds, readonly [number, number]> = {
  lookbackDays: [1, 90],
  minHistoryVends: [1, 10_000],
  denialBurstCount: [2, 100_000],
  denialBurstWindowMinutes: [1, 1440],
  usualHourMargin: [0, 11],
};

/** Defaults overridden by `value`'s fields; an Error naming the field for anything else. */
export function anomalyThresholds(value: unknown, where = "anomalies"): AnomalyThresholds {
  if (value === undefined || value === null) return DEFAULT_ANOMALY_THRESHOLDS;
  if (typeof value !== "object" || Array.isArray(value)) throw new Error(`${where}: must be an object`);
  const result: Record<string, number> = { ...DEFAULT_ANOMALY_THRESHOLDS };
  for (const [name, given] of Object.entries(value)) {
    const limits = LIMITS[name as keyof AnomalyThresholds];
    if (!limits) throw new Error(`${where}.${name}: unknown field (one of ${Object.keys(LIMITS).join(", ")})`);
    if (typeof given !== "number" || !Number.isInteger(given) || given < limits[0] || given > limits[1]) {
      throw new Error(`${where}.${name}: must be a whole number from ${limits[0]} to ${limits[1]}`);
    }
    result[name] = given;
  }
  return result as unknown as AnomalyThresholds;
}
