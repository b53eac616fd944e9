// What the job summary ($GITHUB_STEP_SUMMARY, shown on the run's page) says when credvend refuses
// the job a credential: the scopes asked and denied, the reason code, the server's explanation.
// Only what the vend answer's error holds (never a secret by the API's contract) and the inputs;
// never the OIDC token or a credential.
import { appendFileSync } from "node:fs";
import { CliError } from "../cli/cli-error.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface VendFailure {
  readonly status?: number;
  readonly code?: string;
  readonly message: string;
  /** The denied scopes, where the policy named them. */
  readonly denied: readonly string[];
}

/** Reads the CLI's vend error: `vend failed (403 scope_denied: denied by policy: a, b (why))[; retry after Ns]`. */
export function vendFailure(error: unknown): VendFailure {
  const text = error instanceof CliError ? error.message : "unexpected error";
  const answered = /^vend failed \((\d{3}) ([a-z0-9_]+): ([\s\S]*)\)(?:; retry after \d+s)?$/.exec(text);
  if (!answered) return { message: text, denied: [] };
  const [, status, code, message = ""] = answered;
  const denied = /^denied by policy: (.+) \([^()]*\)$/.exec(message)?.[1]?.split(", ") ?? [];
  return { status: Number(status), code: code!, message, denied };
}

/** Appends the refusal to the job summary; without $GITHUB_STEP_SUMMARY (outside a runner) it does nothing. */
export function writeRefusalSummary(env: Env, requested: readonly string[], failure: VendFailure, credentialId?: string): void {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  const refused = failure.status !== undefined && failure.status < 500;
  const rows: [string, string][] = [
    ["requested", code(requested)],
    ...(failure.denied.length > 0 ? ([["denied", code(failure.denied)]] as [string, string][]) : []),
    ["reason code", failure.code ? `${code([failure.code])} (HTTP ${failure.status})` : "none: credvend gave no answer"],
    ["why", cell(failure.message)],
    ["credential", credentialId ? code([credentialId]) : "none vended"],
  ];
  const heading = refused ? "credvend refused this job a credential" : "credvend could not vend a credential";
  appendFileSync(file, `### ${heading}\n\n| | |\n| --- | --- |\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join("\n")}\n\n`);
}

const cell = (text: string) => text.replace(/[\\|`*_<>[\]]/g, (c) => `\\${c}`).replace(/\s+/g, " ");
const code = (items: readonly string[]) => items.map((item) => `\`${item.replace(/[`|\s]/g, "")}\``).join(", ");
