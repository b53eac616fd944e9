// protobuf <-> domain for TrustPolicy (protocol 1.2), shared by the core's client and the SDK.
import { create } from "@bufbuild/protobuf";
import * as pb from "../proto/gen/credvend/plugin/v1/plugin_pb.js";
import { PluginProtocolError } from "./convert.js";
import type { TrustPolicyRequest, TrustPolicyResult } from "./types.js";

/** The protocol's cap on a trust policy file; a worker answers TOO_LARGE instead of parsing more. */
export const MAX_TRUST_POLICY_BYTES = 16 * 1024;
/** The JSON of a 16 KiB file stays well under this; more is a broken worker. */
const MAX_DOCUMENT_JSON_CHARS = 64 * 1024;
const MAX_PROBLEMS = 50;

export function trustPolicyRequestToProto(request: TrustPolicyRequest): pb.TrustPolicyRequest {
  return create(pb.TrustPolicyRequestSchema, {
    target: request.target,
    identity: request.identity,
    ifNoneMatch: request.ifNoneMatch ?? "",
  });
}

export function trustPolicyRequestFromProto(request: pb.TrustPolicyRequest): TrustPolicyRequest {
  return {
    target: request.target,
    identity: request.identity,
    ...(request.ifNoneMatch ? { ifNoneMatch: request.ifNoneMatch } : {}),
  };
}

export function trustPolicyResultToProto(result: TrustPolicyResult): pb.TrustPolicyResponse {
  switch (result.status) {
    case "found":
      return create(pb.TrustPolicyResponseSchema, {
        status: pb.TrustPolicyStatus.FOUND,
        documentJson: result.documentJson,
        path: result.path,
        repository: result.repository,
        commitSha: result.commitSha,
        defaultBranch: result.defaultBranch,
        etag: result.etag,
      });
    case "invalid":
      return create(pb.TrustPolicyResponseSchema, {
        status: pb.TrustPolicyStatus.INVALID,
        problems: result.problems.slice(0, MAX_PROBLEMS),
        path: result.path,
        repository: result.repository,
        commitSha: result.commitSha,
        etag: result.etag,
      });
    case "not_found":
      return create(pb.TrustPolicyResponseSchema, { status: pb.TrustPolicyStatus.NOT_FOUND });
    case "not_modified":
      return create(pb.TrustPolicyResponseSchema, { status: pb.TrustPolicyStatus.NOT_MODIFIED, etag: result.etag });
    case "too_large":
      return create(pb.TrustPolicyResponseSchema, {
        status: pb.TrustPolicyStatus.TOO_LARGE,
        path: result.path,
        repository: result.repository,
        commitSha: result.commitSha,
      });
  }
}

/** Refuses an answer the protocol does not allow: no status, a FOUND without its origin, content over the cap. */
export function trustPolicyResultFromProto(response: pb.TrustPolicyResponse): TrustPolicyResult {
  const location = { path: response.path, repository: response.repository, commitSha: response.commitSha };
  switch (response.status) {
    case pb.TrustPolicyStatus.FOUND:
      if (!response.path || !response.repository || !response.commitSha || !response.etag)
        throw new PluginProtocolError("trust policy answer without its path, repository, commit or etag");
      if (response.documentJson.length > MAX_DOCUMENT_JSON_CHARS) throw new PluginProtocolError("trust policy answer over its size cap");
      return {
        status: "found",
        documentJson: response.documentJson,
        defaultBranch: response.defaultBranch,
        etag: response.etag,
        ...location,
      };
    case pb.TrustPolicyStatus.INVALID:
      if (!response.path || !response.repository || !response.commitSha || !response.etag)
        throw new PluginProtocolError("trust policy answer without its path, repository, commit or etag");
      return { status: "invalid", problems: response.problems.slice(0, MAX_PROBLEMS), etag: response.etag, ...location };
    case pb.TrustPolicyStatus.NOT_FOUND:
      return { status: "not_found" };
    case pb.TrustPolicyStatus.NOT_MODIFIED:
      if (!response.etag) throw new PluginProtocolError("trust policy NOT_MODIFIED without an etag");
      return { status: "not_modified", etag: response.etag };
    case pb.TrustPolicyStatus.TOO_LARGE:
      return { status: "too_large", ...location };
    default:
      throw new PluginProtocolError("trust policy answer without a status");
  }
}
