import type { Claims } from "../../plugin-protocol/claims.js";

/** Claims copied into records and audit events: enough for forensics, nothing secret. */
export const FORENSIC_CLAIMS = [
  "iss",
  "sub",
  "repository",
  "repository_id",
  "repository_owner",
  "ref",
  "sha",
  "workflow",
  "job_workflow_ref",
  "run_id",
  "run_attempt",
  "actor",
  "environment",
] as const;

export function forensicClaims(claims: Claims): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of FORENSIC_CLAIMS) {
    const value = claims[name];
    if (value !== undefined && value !== "") picked[name] = value;
  }
  return picked;
}
