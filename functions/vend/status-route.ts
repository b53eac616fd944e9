// GET /v1/status: what is in force, for `credvend doctor` — the audience, the issuers, which
// policy (a fingerprint), and each worker's verification and configuration state. Unauthenticated
// like /healthz, so it says only what an attacker gains nothing from: names and states, never a
// policy rule, a configuration value, a secret or why a worker was refused. Documented by
// statusRoute in routes.ts.
import type { Hono } from "hono";
import type { VerifiedPluginDirectory } from "../core/plugin-trust/verified-plugin-directory.js";
import { policyFingerprint } from "../core/policy/policy-fingerprint.js";
import type { Policy } from "../core/policy/policy.js";

export interface ServiceStatus {
  readonly status: "ok";
  readonly audience: string;
  readonly issuers: readonly string[];
  /** policy-fingerprint.ts: which policy is in force, comparable with a file; and how many rules. */
  readonly policy: { readonly fingerprint: string; readonly rules: number };
  readonly workers: readonly {
    readonly name: string;
    readonly providers: readonly string[];
    readonly verification: "verified" | "unsigned" | "refused" | "unverifiable" | "unchecked";
    readonly configured: "yes" | "no" | "unknown";
  }[];
}

/** The answer, from the directory's cache: a worker is described at most once on this route's behalf. */
export async function serviceStatus(
  plugins: Pick<VerifiedPluginDirectory, "statusAfterFirstCheck">,
  trust: { readonly audience: string; readonly issuers: readonly string[] },
  policy: Policy,
): Promise<ServiceStatus> {
  const rows = await plugins.statusAfterFirstCheck();
  return {
    status: "ok",
    audience: trust.audience,
    issuers: [...trust.issuers],
    policy: { fingerprint: policyFingerprint(policy), rules: policy.rules.length },
    workers: rows.map((row) => ({
      name: row.name,
      providers: [...row.providers],
      verification: row.state.status,
      configured: row.configuration === undefined ? "unknown" : row.configuration.configured ? "yes" : "no",
    })),
  };
}

export function mountStatus(app: Hono, status: () => Promise<ServiceStatus>): void {
  app.get("/v1/status", async (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(await status(), 200);
  });
}
