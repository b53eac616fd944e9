// Checks on the worker as a gRPC-web endpoint: who it is, who it takes calls from, and what it
// does with requests no core would send. Each returns one result line.
import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { majorOfProtocol, parseProtocolVersion, PLUGIN_PROTOCOL } from "../../plugin-protocol/protocol-version.js";
import { describeFromProto } from "../../plugin-protocol/convert.js";
import type { WorkerDescription } from "../../plugin-protocol/types.js";
import { DescribeRequestSchema } from "../../proto/gen/credvend/plugin/v1/plugin_pb.js";
import { type CheckResult, fail, pass } from "./conformance-result.js";
import { codeName, type ConformanceSession } from "./conformance-session.js";
import { frame, type RawAnswer, SERVICE_PATH } from "./raw-grpc-web.js";

/** Larger than any Lambda Function URL accepts (6 MB): every worker must refuse it. */
export const OVERSIZE_BYTES = 6 * 1024 * 1024 + 1;
const DESCRIBE = `${SERVICE_PATH}/Describe`;
const EMPTY_DESCRIBE = frame(toBinary(DescribeRequestSchema, create(DescribeRequestSchema)));

export async function checkDescribe(session: ConformanceSession): Promise<{ result: CheckResult; description?: WorkerDescription }> {
  const outcome = await session.call("Describe", (call) => session.client.describe({}, call));
  if (!outcome.ok) return { result: fail("describe", `Describe failed: ${codeName(outcome.error.code)} ${outcome.error.rawMessage}`) };
  const d = describeFromProto(outcome.value);
  const problems: string[] = [];
  if (!d.name.trim()) problems.push("no name");
  if (!d.version.trim()) problems.push("no version");
  if (d.protocol !== PLUGIN_PROTOCOL) problems.push(`protocol "${d.protocol}" is not ${PLUGIN_PROTOCOL}`);
  const version = parseProtocolVersion(d.protocolVersion ?? "");
  if (!version) problems.push(`protocol version "${d.protocolVersion ?? ""}" is not major.minor`);
  else if (version.major !== majorOfProtocol(PLUGIN_PROTOCOL)) problems.push(`protocol version ${d.protocolVersion} is not of major 1`);
  if (d.providers.length === 0) problems.push("no providers");
  for (const needed of ["validate", "serialize", "vend"] as const)
    if (!d.capabilities.includes(needed)) problems.push(`capability ${needed} missing`);
  if (problems.length > 0) return { result: fail("describe", problems.join("; ")), description: d };
  const summary = `${d.name} ${d.version}, ${d.protocol} ${d.protocolVersion}, providers ${d.providers.join(",")}, capabilities ${d.capabilities.join(",")}`;
  return { result: pass("describe", summary), description: d };
}

export async function checkCallers(session: ConformanceSession): Promise<CheckResult[]> {
  const cases = [
    { check: "caller-missing", what: session.proof.none, as: "nobody" as const },
    { check: "caller-wrong", what: session.proof.wrong.what, as: "wrong" as const },
  ];
  const results: CheckResult[] = [];
  for (const { check, what, as } of cases) {
    const answer = await session.raw("Describe", { path: DESCRIBE, body: EMPTY_DESCRIBE, as });
    if (isAnswered(answer)) results.push(fail(check, `${what} was answered: the worker takes calls from anyone`));
    else if (answer.grpcStatus === Code.PermissionDenied || answer.grpcStatus === Code.Unauthenticated || answer.httpStatus === 403)
      results.push(pass(check, `${what} refused (HTTP ${answer.httpStatus}, ${statusText(answer)})`));
    else results.push(fail(check, `${what} got HTTP ${answer.httpStatus}, ${statusText(answer)}: expected permission_denied`));
  }
  return results;
}

export async function checkContentType(session: ConformanceSession): Promise<CheckResult> {
  const answer = await session.raw("Describe", {
    path: DESCRIBE,
    body: new TextEncoder().encode("{}"),
    contentType: "application/json",
  });
  if (isAnswered(answer)) return fail("content-type", "a Describe sent as application/json was answered as gRPC-web");
  if (answer.httpStatus === 415) return pass("content-type", "application/json refused with HTTP 415");
  return fail("content-type", `application/json got HTTP ${answer.httpStatus}, ${statusText(answer)}: expected 415`);
}

export async function checkUnknownMethod(session: ConformanceSession): Promise<CheckResult> {
  const answer = await session.raw("NoSuchMethod", { path: `${SERVICE_PATH}/NoSuchMethod`, body: EMPTY_DESCRIBE });
  if (answer.grpcStatus === Code.Unimplemented || answer.httpStatus === 404)
    return pass("unknown-method", `NoSuchMethod refused (HTTP ${answer.httpStatus}, ${statusText(answer)})`);
  return fail("unknown-method", `NoSuchMethod got HTTP ${answer.httpStatus}, ${statusText(answer)}: expected unimplemented or 404`);
}

export async function checkMalformedFrames(session: ConformanceSession): Promise<CheckResult> {
  const cases = [
    { what: "a frame promising more bytes than sent", body: frame(new Uint8Array([0x0a, 0x01]), 64) },
    { what: "a frame whose message is not protobuf", body: frame(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f])) },
    { what: "a body shorter than a frame header", body: new Uint8Array([0, 0]) },
  ];
  const problems: string[] = [];
  for (const { what, body } of cases) {
    const answer = await session.raw("Describe", { path: DESCRIBE, body });
    if (isAnswered(answer)) problems.push(`${what} was answered as a valid request`);
    else if (answer.grpcStatus === undefined && answer.httpStatus < 400)
      problems.push(`${what} got HTTP ${answer.httpStatus} without a status`);
  }
  const alive = await stillAnswers(session);
  if (alive) problems.push(alive);
  return problems.length === 0
    ? pass("malformed-frame", `${cases.length} malformed bodies refused; the worker still answers`)
    : fail("malformed-frame", problems.join("; "));
}

export async function checkOversize(session: ConformanceSession): Promise<CheckResult> {
  const body = frame(new Uint8Array(OVERSIZE_BYTES));
  let answer: RawAnswer;
  try {
    answer = await session.raw("Describe", { path: DESCRIBE, body });
  } catch (error) {
    return fail(
      "oversize-frame",
      `a ${OVERSIZE_BYTES}-byte frame got no answer (${(error as Error).message}): refuse it with resource_exhausted`,
    );
  }
  const alive = await stillAnswers(session);
  if (alive) return fail("oversize-frame", alive);
  if (answer.grpcStatus === Code.ResourceExhausted || answer.httpStatus === 413)
    return pass("oversize-frame", `a ${OVERSIZE_BYTES}-byte frame refused (HTTP ${answer.httpStatus}, ${statusText(answer)})`);
  return fail(
    "oversize-frame",
    `a ${OVERSIZE_BYTES}-byte frame got HTTP ${answer.httpStatus}, ${statusText(answer)}: expected resource_exhausted`,
  );
}

/** Answered = HTTP 200 with status OK and a Describe in it. */
function isAnswered(answer: RawAnswer): boolean {
  return answer.httpStatus === 200 && answer.grpcStatus === 0;
}

async function stillAnswers(session: ConformanceSession): Promise<string | undefined> {
  const outcome = await session.call("Describe", (call) => session.client.describe({}, call));
  return outcome.ok ? undefined : `the worker stopped answering Describe afterwards (${codeName(outcome.error.code)})`;
}

function statusText(answer: RawAnswer): string {
  return answer.grpcStatus === undefined ? "no gRPC status" : codeName(answer.grpcStatus);
}
