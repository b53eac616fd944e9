// What `credvend doctor` found: one line per check, each ok, a warning, or a problem (exit 1), or
// the service unreachable (exit 5, as `credvend vend` says it).

export type Level = "ok" | "note" | "warning" | "problem" | "unreachable";

export interface Finding {
  readonly level: Level;
  readonly what: string;
}

export const EXIT_PROBLEM = 1;
export const EXIT_UNREACHABLE = 5;

export function exitCodeOf(findings: readonly Finding[]): number {
  if (findings.some((f) => f.level === "unreachable")) return EXIT_UNREACHABLE;
  return findings.some((f) => f.level === "problem") ? EXIT_PROBLEM : 0;
}

export function formatFindings(target: string, findings: readonly Finding[]): string {
  const lines = findings.map((f) => `  ${(f.level === "unreachable" ? "problem" : f.level).padEnd(9)}${f.what}`);
  const problems = findings.filter((f) => f.level === "problem" || f.level === "unreachable").length;
  const warnings = findings.filter((f) => f.level === "warning").length;
  const verdict =
    problems > 0
      ? `${problems} problem${problems === 1 ? "" : "s"}${warnings ? `, ${warnings} warning${warnings === 1 ? "" : "s"}` : ""}`
      : warnings > 0
        ? `healthy, ${warnings} warning${warnings === 1 ? "" : "s"}`
        : "healthy";
  return `credvend doctor: ${target}\n${lines.join("\n")}\n${verdict}\n`;
}
