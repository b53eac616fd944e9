// A short, stable name for a policy's content: `credvend doctor` compares the one in force (from
// GET /v1/status) with the file beside it, to tell "is my latest policy deployed?". Computed over
// the compiled policy, so formatting and comments do not change it. It confirms only an exact
// guess of the whole policy, and says nothing else about it.
import { createHash } from "node:crypto";
import type { Policy } from "./policy.js";

export function policyFingerprint(policy: Policy): string {
  const content = {
    version: policy.version,
    audience: policy.audience,
    issuers: policy.issuers,
    defaultTtlSeconds: policy.defaultTtlSeconds,
    rules: policy.rules.map((rule) => ({
      name: rule.name,
      when: [...rule.when].map(([claim, glob]) => [claim, glob.source]),
      allow: rule.allow.map((pattern) => pattern.source),
      maxTtlSeconds: rule.maxTtlSeconds,
    })),
  };
  return createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, 16);
}
