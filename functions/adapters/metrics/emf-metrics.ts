// Metrics in CloudWatch's embedded metric format: one JSON log line per data point, which
// CloudWatch Logs turns into metrics with no API call and no agent. Written by hand (~40 lines)
// rather than with Powertools' Metrics, whose package and its dependencies would grow every
// function bundle for what is here one JSON.stringify; each point is written at once, so nothing
// is lost when an invocation ends without a flush.
// Each point is published twice: without dimensions (what alarms watch: an alarm needs one exact
// metric) and by its dimensions (what the dashboard breaks down), when it has any.

export type MetricUnit = "Count" | "Milliseconds";

export interface MetricPoint {
  readonly name: string;
  readonly value: number;
  readonly unit: MetricUnit;
  /** A few low-cardinality names (a worker, an outcome): never ids, repositories or anything secret. */
  readonly dimensions?: Readonly<Record<string, string>>;
}

export interface Metrics {
  put(point: MetricPoint): void;
}

export class EmfMetrics implements Metrics {
  constructor(
    private readonly options: {
      readonly namespace: string;
      /** Which function wrote it (a property for Logs Insights, not a dimension). */
      readonly service: string;
      readonly write?: (line: string) => void;
      readonly now?: () => number;
    },
  ) {}

  put(point: MetricPoint): void {
    const dimensions = point.dimensions ?? {};
    const names = Object.keys(dimensions);
    const line = JSON.stringify({
      _aws: {
        Timestamp: (this.options.now ?? Date.now)(),
        CloudWatchMetrics: [
          {
            Namespace: this.options.namespace,
            Dimensions: names.length > 0 ? [[], names] : [[]],
            Metrics: [{ Name: point.name, Unit: point.unit }],
          },
        ],
      },
      service: this.options.service,
      ...dimensions,
      [point.name]: point.value,
    });
    (this.options.write ?? ((text: string) => process.stdout.write(`${text}\n`)))(line);
  }
}
