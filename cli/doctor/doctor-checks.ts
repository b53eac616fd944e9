// The checks of `credvend doctor`, each returning its findings: the service answers, what is in
// force (audience, issuers, workers verified and configured), the issuers' clocks against the
// service's, and the deployment config's problems.
import type { Finding } from "./findings.js";
import { probe } from "./http-probe.js";

/** The OIDC verifier's default leeway: beyond it, fresh tokens are refused (not yet valid, or expired). */
const CLOCK_TOLERANCE_S = 60;
const CLOCK_WARNING_S = 5;

export interface ServiceCheck {
  readonly findings: Finding[];
  /** The service's clock minus this machine's, when it answered with a Date header. */
  readonly skewMs?: number;
  readonly reachable: boolean;
}

export async function checkService(url: string): Promise<ServiceCheck> {
  const health = await probe(`${url}/healthz`);
  if (!health.ok) return { reachable: false, findings: [{ level: "unreachable", what: `cannot reach ${url}: ${health.reason}` }] };
  if (health.status !== 200 || (health.body as { status?: unknown } | undefined)?.status !== "ok")
    return {
      reachable: false,
      findings: [{ level: "unreachable", what: `${url}/healthz answered ${health.status}, not {"status":"ok"}` }],
    };
  return {
    reachable: true,
    findings: [{ level: "ok", what: `reachable: GET /healthz answered in ${health.ms} ms` }],
    ...(health.skewMs === undefined ? {} : { skewMs: health.skewMs }),
  };
}

interface StatusBody {
  readonly audience: string;
  readonly issuers: readonly string[];
  readonly policy?: { readonly fingerprint: string; readonly rules: number };
  readonly workers: readonly { name: string; providers: string[]; verification: string; configured: string }[];
}

export interface LocalPolicy {
  readonly file: string;
  readonly fingerprint: string;
}

export async function checkStatus(
  url: string,
  local: boolean,
  policyFile?: LocalPolicy,
): Promise<{ findings: Finding[]; issuers: readonly string[] }> {
  const answer = await probe(`${url}/v1/status`);
  if (!answer.ok || answer.status !== 200 || !isStatus(answer.body)) {
    const why = answer.ok ? `answered ${answer.status}` : answer.reason;
    return {
      issuers: [],
      findings: [
        { level: "warning", what: `GET /v1/status ${why}: workers, issuers and audience unknown (a deployment older than this CLI?)` },
      ],
    };
  }
  const status = answer.body;
  const findings: Finding[] = [{ level: "ok", what: `audience ${status.audience}; issuers ${status.issuers.join(", ")}` }];
  if (status.policy) findings.push(policyFinding(status.policy, policyFile));
  for (const worker of status.workers) findings.push(workerFinding(worker, local));
  if (status.workers.length === 0) findings.push({ level: "problem", what: "no workers: nothing can be vended" });
  return { findings, issuers: status.issuers };
}

function policyFinding(inForce: NonNullable<StatusBody["policy"]>, file: LocalPolicy | undefined): Finding {
  const what = `policy ${inForce.fingerprint} in force (${inForce.rules} rule${inForce.rules === 1 ? "" : "s"})`;
  if (!file) return { level: "ok", what };
  return inForce.fingerprint === file.fingerprint
    ? { level: "ok", what: `${what}: the same as ${file.file}` }
    : { level: "warning", what: `${what}: NOT the same as ${file.file} (${file.fingerprint}): deploy it, or is this another stack?` };
}

function workerFinding(worker: StatusBody["workers"][number], local: boolean): Finding {
  const name = `worker ${worker.name} (${worker.providers.join(", ")})`;
  const configured =
    { yes: "configured", no: "NOT configured", unknown: "configuration unknown (its SDK does not say)" }[worker.configured] ??
    worker.configured;
  const what = `${name}: ${worker.verification}, ${configured}`;
  if (worker.verification === "refused" || worker.verification === "unverifiable")
    return { level: "problem", what: `${what}: every vend of its scopes fails (the alert and the worker_refused audit event say why)` };
  if (worker.configured === "no") {
    const consequence = `every vend of its scopes answers 503 "not configured" (plugin-workers/${worker.name}/README.md says what to set)`;
    // The local stack starts aws-sts and github unconfigured on purpose; a deployment must not be.
    return { level: local ? "warning" : "problem", what: `${what}: ${consequence}` };
  }
  if (worker.verification === "unsigned") return { level: "warning", what: `${what}: runs UNSIGNED (allowUnsigned)` };
  return { level: worker.configured === "unknown" ? "note" : "ok", what };
}

function isStatus(body: unknown): body is StatusBody {
  const b = body as Partial<StatusBody> | undefined;
  return typeof b?.audience === "string" && Array.isArray(b.issuers) && Array.isArray(b.workers);
}

/** Each issuer's clock (its key set's Date header) against the service's: tokens are judged by the service's clock. */
export async function checkIssuerClocks(issuers: readonly string[], serviceSkewMs: number | undefined): Promise<Finding[]> {
  return Promise.all(
    issuers.map(async (issuer): Promise<Finding> => {
      const discovery = await probe(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`);
      const jwksUri = discovery.ok ? (discovery.body as { jwks_uri?: unknown } | undefined)?.jwks_uri : undefined;
      if (!discovery.ok || discovery.status !== 200 || typeof jwksUri !== "string")
        return {
          level: "warning",
          what: `issuer ${issuer}: discovery ${discovery.ok ? `answered ${discovery.status}` : discovery.reason} from here; clock not checked`,
        };
      const keys = await probe(jwksUri);
      if (!keys.ok || keys.skewMs === undefined || serviceSkewMs === undefined)
        return { level: "warning", what: `issuer ${issuer}: no dated answer from its key set; clock not checked` };
      const skewS = Math.round((keys.skewMs - serviceSkewMs) / 1000);
      const what = `issuer ${issuer}: clock ${skewS >= 0 ? "+" : ""}${skewS}s against credvend's`;
      if (Math.abs(skewS) > CLOCK_TOLERANCE_S)
        return {
          level: "problem",
          what: `${what}, beyond the ${CLOCK_TOLERANCE_S}s leeway: fresh tokens are refused as not yet valid or expired`,
        };
      return { level: Math.abs(skewS) > CLOCK_WARNING_S ? "warning" : "ok", what };
    }),
  );
}

/** The deployment config's problems, as `cdk synth` would report them. */
export async function checkDeploymentConfig(path: string): Promise<Finding[]> {
  const { loadDeploymentConfig, DeploymentConfigError } = await import("../../infra/config/load-config.js");
  try {
    const config = await loadDeploymentConfig(path);
    return [{ level: "ok", what: `deployment config ${path}: valid (policy ${config.policyPath})` }];
  } catch (error) {
    if (error instanceof DeploymentConfigError)
      return error.problems.map((problem) => ({ level: "problem" as const, what: `deployment config ${path}: ${problem}` }));
    return [{ level: "problem", what: `deployment config ${path}: ${(error as Error).message}` }];
  }
}
