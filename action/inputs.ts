// The Action's inputs as the runner passes them to a JavaScript action: INPUT_<NAME> variables
// (name upper-cased, hyphens kept), with action.yml's defaults already applied by the runner.
import { httpsUrlProblem } from "../functions/core/https-url.js";
import { CliError } from "../cli/cli-error.js";
import { IDENTITY_MESSAGE, isIdentity } from "../plugin-protocol/identity.js";

type Env = Readonly<Record<string, string | undefined>>;

export const ACTION_FORMATS = ["github-env", "github-output", "container"] as const;
export type ActionFormat = (typeof ACTION_FORMATS)[number];

export interface ActionInputs {
  readonly url: string;
  readonly scopes: string[];
  readonly audience: string;
  readonly format: ActionFormat;
  readonly ttlSeconds?: number;
  /** Exported as AWS_REGION and AWS_DEFAULT_REGION for later steps, as configure-aws-credentials does. */
  readonly awsRegion?: string;
  /** Self-serve trust: the identity whose target policy may grant the scopes. */
  readonly identity?: string;
  readonly revokeOnExit: boolean;
}

/** An AWS region name: us-east-1, eu-central-1, us-gov-west-1, cn-north-1, ap-southeast-2, … */
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function input(env: Env, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}

export function readInputs(env: Env): ActionInputs {
  const url = input(env, "url").replace(/\/+$/, "");
  if (url === "") throw new CliError("input url: credvend's https base URL is required", 2);
  // The job's OIDC token goes to this URL: never in clear text beyond this machine.
  const problem = httpsUrlProblem(url);
  if (problem) throw new CliError(`input url: ${problem}`, 2);
  const scopes = input(env, "scopes")
    .split(/[\s,]+/)
    .filter((s) => s !== "");
  if (scopes.length === 0) throw new CliError("input scopes: at least one scope is required", 2);
  const format = (input(env, "format") || "github-env") as ActionFormat;
  if (!ACTION_FORMATS.includes(format)) throw new CliError(`input format: must be one of ${ACTION_FORMATS.join(", ")}`, 2);
  if (format === "container" && !scopes.every((s) => s.startsWith("aws:")))
    throw new CliError("input scopes: format container takes aws: scopes only", 2);
  const ttl = input(env, "ttl-seconds");
  const ttlSeconds = ttl === "" ? undefined : Number(ttl);
  if (ttlSeconds !== undefined && (!Number.isInteger(ttlSeconds) || ttlSeconds < 1))
    throw new CliError("input ttl-seconds: a whole number of seconds", 2);
  const awsRegion = input(env, "aws-region");
  if (awsRegion !== "" && !AWS_REGION.test(awsRegion)) throw new CliError("input aws-region: an AWS region such as us-east-1", 2);
  const identity = input(env, "identity") || undefined;
  if (identity !== undefined && !isIdentity(identity)) throw new CliError(`input ${IDENTITY_MESSAGE}`, 2);
  if (identity !== undefined && format === "container")
    throw new CliError("input identity: not with format container (aws scopes take none)", 2);
  const revoke = input(env, "revoke-on-exit") || "true";
  if (revoke !== "true" && revoke !== "false") throw new CliError("input revoke-on-exit: true or false", 2);
  return {
    url,
    scopes,
    audience: input(env, "audience") || "credvend",
    format,
    revokeOnExit: revoke === "true",
    ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
    ...(awsRegion === "" ? {} : { awsRegion }),
    ...(identity === undefined ? {} : { identity }),
  };
}
