// One line of the conformance report: a check's id, its verdict and why.
export type Verdict = "pass" | "fail" | "skip";

export interface CheckResult {
  readonly check: string;
  readonly verdict: Verdict;
  readonly reason: string;
}

export const pass = (check: string, reason: string): CheckResult => ({ check, verdict: "pass", reason });
export const fail = (check: string, reason: string): CheckResult => ({ check, verdict: "fail", reason });
export const skip = (check: string, reason: string): CheckResult => ({ check, verdict: "skip", reason });

export function formatResult(result: CheckResult): string {
  return `${result.verdict.toUpperCase().padEnd(4)} ${result.check}: ${result.reason}`;
}
