// The shared protobuf <-> domain mapping: claims survive the Subject message, and a peer's
// omissions are read conservatively.
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  PluginProtocolError,
  analysisFromProto,
  claimsToSubject,
  prepareFromProto,
  revokeResultFromProto,
  revokeResultToProto,
  subjectToClaims,
  vendResultFromProto,
  vendResultToProto,
} from "../../plugin-protocol/convert.js";
import * as pb from "../../proto/gen/credvend/plugin/v1/plugin_pb.js";

describe("plugin protocol conversion", () => {
  it("carries the known claims in Subject fields and the rest in extra_claims", () => {
    const claims = { iss: "https://issuer", sub: "repo:a/b", repository: "a/b", job_workflow_ref: "a/b/.github/w.yml@x", custom: "1" };
    const subject = claimsToSubject(claims);
    expect(subject.issuer).toBe("https://issuer");
    expect(subject.jobWorkflowRef).toBe("a/b/.github/w.yml@x");
    expect(subject.extraClaims).toEqual({ custom: "1" });
    expect(subjectToClaims(subject)).toEqual(claims);
    expect(subjectToClaims(undefined)).toEqual({});
  });

  it("does not let extra_claims shadow a Subject field", () => {
    const subject = create(pb.SubjectSchema, { repository: "real/repo", extraClaims: { repository: "fake/repo" } });
    expect(subjectToClaims(subject)).toEqual({ repository: "real/repo" });
  });

  it("reads an unspecified risk as high", () => {
    const analysis = create(pb.ScopeAnalysisSchema, { scope: { provider: "p", action: "a", resource: "r" } });
    expect(analysisFromProto(analysis).risk).toBe("high");
  });

  it("carries the manual revocation URL of a vend, an empty one read as none", () => {
    const result = {
      credential: { token: "t" },
      expiresAt: new Date("2030-01-01T00:00:00Z"),
      revocable: false,
      upstreamRef: "r",
      notes: [],
    };
    const url = "https://github.com/settings/installations/7";
    expect(vendResultToProto({ ...result, manualRevocationUrl: url }).manualRevocationUrl).toBe(url);
    expect(vendResultFromProto(vendResultToProto({ ...result, manualRevocationUrl: url }))).toEqual({
      ...result,
      manualRevocationUrl: url,
    });
    expect(vendResultToProto(result).manualRevocationUrl).toBe("");
    expect(vendResultFromProto(vendResultToProto(result))).toEqual(result);
    expect(vendResultFromProto(vendResultToProto(result))).not.toHaveProperty("manualRevocationUrl");
  });

  it("carries every revoke outcome, manual_required included (a worker that can never revoke it)", () => {
    for (const outcome of ["revoked", "already_gone", "manual_required"] as const) {
      expect(revokeResultFromProto(revokeResultToProto({ outcome, detail: "why" }))).toEqual({ outcome, detail: "why" });
    }
  });

  it("rejects answers that leave out required parts", () => {
    const valid = create(pb.ScopeValidationSchema, { scope: { provider: "p", action: "a", resource: "r" }, valid: true });
    expect(() => prepareFromProto(create(pb.PrepareResponseSchema, { validations: [valid] }))).toThrow(PluginProtocolError);
    expect(() => vendResultFromProto(create(pb.VendResponseSchema, { credential: { token: "t" } }))).toThrow(PluginProtocolError);
    expect(() => revokeResultFromProto(create(pb.RevokeResponseSchema))).toThrow(PluginProtocolError);
  });
});
