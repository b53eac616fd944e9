// Each function's Lambda memory when the deployment config names none. Lambda gives CPU in
// proportion to memory (1,769 MB = one vCPU) and bills memory × duration, so these are chosen from
// the measured latency/cost table in docs/memory-sizing.md (test/bench/memory-size-bench.ts),
// which also says the criterion and which functions were measured. Change them there first.
export const DEFAULT_MEMORY_MB = {
  vend: 1024,
  webhooks: 512,
  sweeper: 512,
  poller: 512,
  anomalies: 512,
  /**
   * Every plugin worker (workers[].settings.memoryMb) and the local-tokens introspection function:
   * measured on the aws-sts worker, the others taking the same.
   */
  worker: 1024,
} as const;

/** Lambda's range: 128 MB to 10,240 MB in 1 MB steps. */
export const LAMBDA_MEMORY_MB = { min: 128, max: 10_240 } as const;
