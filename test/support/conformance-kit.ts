// Runs the conformance kit in process against a worker URL and hands back its result lines.
import { parseScope } from "../../plugin-protocol/scope.js";
import type { CheckResult } from "../../cli/conformance/conformance-result.js";
import { runConformance } from "../../cli/conformance/run-conformance.js";

export async function conformanceOf(url: string, callerSecret: string | undefined, scopes: readonly string[]): Promise<CheckResult[]> {
  return runConformance(
    { url, ...(callerSecret === undefined ? {} : { callerSecret }), scopes: scopes.map(parseScope), ttlSeconds: 900, timeoutMs: 5000 },
    () => undefined,
  );
}

/** The failed checks as "check: reason", so a failing assertion shows why. */
export function failures(results: readonly CheckResult[]): string[] {
  return results.filter((r) => r.verdict === "fail").map((r) => `${r.check}: ${r.reason}`);
}

export function verdicts(results: readonly CheckResult[]): Record<string, string> {
  return Object.fromEntries(results.map((r) => [r.check, r.verdict]));
}
