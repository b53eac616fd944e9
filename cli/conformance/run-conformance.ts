// The conformance run: every check in order, then what the run as a whole showed (deadlines, with
// a short-deadline probe; error codes; secrets). Checks that provoke errors come after the vend, so a worker that would
// repeat a credential in an error has one to repeat.
import { Code } from "@connectrpc/connect";
import { claimsToSubject, scopeToProto } from "../../plugin-protocol/convert.js";
import type { Scope } from "../../plugin-protocol/scope.js";
import { type CheckResult, fail, pass, skip } from "./conformance-result.js";
import { codeName, type ConformanceOptions, ConformanceSession } from "./conformance-session.js";
import { checkDeadlines, probeShortDeadline } from "./deadline-check.js";
import { checkInvalidScope, checkPrepare, checkRevoke, checkVend, type ScopeRun } from "./scope-checks.js";
import {
  checkCallers,
  checkContentType,
  checkDescribe,
  checkMalformedFrames,
  checkOversize,
  checkUnknownMethod,
} from "./transport-checks.js";

export interface ConformanceRun extends ConformanceOptions {
  readonly scopes: readonly Scope[];
  readonly ttlSeconds: number;
}

/** The status codes a worker may answer with: the SDKs' typed errors and the transport's refusals. */
export const DOCUMENTED_CODES: ReadonlySet<Code> = new Set([
  Code.InvalidArgument,
  Code.NotFound,
  Code.PermissionDenied,
  Code.Unauthenticated,
  Code.ResourceExhausted,
  Code.Unimplemented,
  // Only as 1.2's refusal of an inline Vend (scopes_not_canonical).
  Code.FailedPrecondition,
  Code.Internal,
  Code.Unavailable,
  Code.DeadlineExceeded,
]);

const SUBJECT = claimsToSubject({
  repository: "acme/conformance",
  repository_owner: "acme",
  ref: "refs/heads/main",
  workflow: "conformance",
  run_id: "1",
  actor: "credvend-conformance",
});

export async function runConformance(options: ConformanceRun, report: (result: CheckResult) => void): Promise<CheckResult[]> {
  const session = new ConformanceSession(options);
  const results: CheckResult[] = [];
  const add = (...more: CheckResult[]) => {
    for (const r of more) {
      results.push(r);
      report(r);
    }
  };
  const { result, description } = await checkDescribe(session);
  add(result);
  add(...(await checkCallers(session)));
  const run: ScopeRun = { scopes: options.scopes.map(scopeToProto), subject: SUBJECT, ttlSeconds: options.ttlSeconds };
  if (description && options.scopes.length > 0) {
    const prepared = await checkPrepare(session, description, run);
    add(prepared.result);
    const vend = prepared.prepared ? await checkVend(session, run, prepared.prepared) : undefined;
    add(vend?.result ?? skip("vend", "the scopes did not prepare"));
    add(...(await checkRevoke(session, description, run, vend?.vended)));
  } else {
    const why = description ? "no --scope given: pass one the worker accepts" : "Describe failed";
    for (const check of ["prepare-consistency", "vend", "revoke-idempotent", "revoke-unknown"]) add(skip(check, why));
  }
  const provider = options.scopes[0]?.provider ?? description?.providers[0];
  add(provider ? await checkInvalidScope(session, provider, run, description) : skip("invalid-scope", "no provider known"));
  // The scopes given, else one the worker must find invalid: either way its validate step runs.
  const probe = run.scopes.length > 0 ? run.scopes : [{ provider: provider ?? "conformance", action: "conformance", resource: "deadline" }];
  await probeShortDeadline(session, probe);
  add(await checkContentType(session), await checkUnknownMethod(session), await checkMalformedFrames(session));
  add(await checkOversize(session));
  add(checkDeadlines(session), checkCodes(session), checkSecrets(session));
  return results;
}

function checkCodes(session: ConformanceSession): CheckResult {
  const stray = session.errors.filter((e) => !DOCUMENTED_CODES.has(e.code));
  if (stray.length > 0) return fail("error-codes", stray.map((e) => `${e.method} answered ${codeName(e.code)}`).join("; "));
  const seen = [...new Set(session.errors.map((e) => codeName(e.code)))];
  return pass("error-codes", `${session.errors.length} errors, all documented codes (${seen.join(", ") || "none"})`);
}

function checkSecrets(session: ConformanceSession): CheckResult {
  const texts = [...session.errors.map((e) => ({ where: `${e.method} error`, text: e.message })), ...session.texts];
  const leaks: string[] = [];
  for (const [secret, what] of session.secrets) {
    const found = texts.find(({ text }) => text.includes(secret));
    if (found) leaks.push(`${found.where} contains ${what}`);
  }
  if (leaks.length > 0) return fail("no-secrets", leaks.join("; "));
  return pass("no-secrets", `${texts.length} messages and texts carry none of ${session.secrets.size} secrets`);
}
