// The `deadlines` check: every call of the run answered within the kit's deadline, and a call sent
// with a short deadline (grpc-timeout) answered within it or with DEADLINE_EXCEEDED — never later,
// never with another code. The core gives up at its deadline: a worker that works on past it
// spends for nobody, and a Vend finished after it mints a credential no one records.
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { type ScopeSchema, ValidateScopeRequestSchema } from "../../proto/gen/credvend/plugin/v1/plugin_pb.js";
import { type CheckResult, fail, pass } from "./conformance-result.js";
import { codeName, type ConformanceSession } from "./conformance-session.js";
import { frame, type RawAnswer, SERVICE_PATH } from "./raw-grpc-web.js";

/** The short deadline sent: gRPC's `50m`. */
export const SHORT_DEADLINE_MS = 50;
/** Time allowed past the deadline for the answer's way back: this much plus twice the fastest round trip seen. */
const GRACE_MS = 250;

/** ValidateScope of `scopes` (worker code runs) under a 50 ms deadline; the outcome is kept for checkDeadlines. */
export async function probeShortDeadline(
  session: ConformanceSession,
  scopes: readonly MessageInitShape<typeof ScopeSchema>[],
): Promise<void> {
  const fastest = Number.isFinite(session.fastestMs) ? session.fastestMs : 0;
  const limitMs = Math.round(SHORT_DEADLINE_MS + GRACE_MS + 2 * fastest);
  const what = `ValidateScope with grpc-timeout ${SHORT_DEADLINE_MS}m`;
  const body = frame(toBinary(ValidateScopeRequestSchema, create(ValidateScopeRequestSchema, { scopes: [...scopes] })));
  let answer: RawAnswer;
  try {
    answer = await session.raw("ValidateScope", {
      path: `${SERVICE_PATH}/ValidateScope`,
      body,
      headers: { "grpc-timeout": `${SHORT_DEADLINE_MS}m` },
      timeoutMs: limitMs,
    });
  } catch {
    session.shortDeadline = {
      ok: false,
      text: `${what} got no answer within ${limitMs} ms (the deadline and the way back): answer deadline_exceeded when it passes`,
    };
    return;
  }
  const ms = Math.round(answer.elapsedMs);
  const status =
    answer.grpcStatus === undefined
      ? `HTTP ${answer.httpStatus} without a status`
      : answer.grpcStatus === 0
        ? "ok"
        : codeName(answer.grpcStatus);
  if (answer.grpcStatus !== Code.DeadlineExceeded && !(answer.httpStatus === 200 && answer.grpcStatus === 0))
    session.shortDeadline = { ok: false, text: `${what} answered ${status}: expected an answer within it, or deadline_exceeded` };
  else if (ms > limitMs)
    session.shortDeadline = { ok: false, text: `${what} answered ${status} after ${ms} ms: answer deadline_exceeded when it passes` };
  else session.shortDeadline = { ok: true, text: `${what} answered ${status} in ${ms} ms` };
}

export function checkDeadlines(session: ConformanceSession): CheckResult {
  const { timeoutMs } = session.options;
  const problems: string[] = [];
  if (session.missedDeadlines.length > 0) problems.push(`no answer within ${timeoutMs} ms to ${session.missedDeadlines.join(", ")}`);
  if (session.shortDeadline && !session.shortDeadline.ok) problems.push(session.shortDeadline.text);
  if (problems.length > 0) return fail("deadlines", problems.join("; "));
  const { method, ms } = session.slowest;
  const short = session.shortDeadline ? `; ${session.shortDeadline.text}` : "";
  return pass("deadlines", `every call answered within ${timeoutMs} ms (slowest: ${method}, ${Math.round(ms)} ms)${short}`);
}
