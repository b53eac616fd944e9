// Reads and checks the deployment config file. Every problem names its field, so a bad config
// fails `cdk synth` with a message such as `workers[1].providers: ...`, before any resource exists.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { PolicyLoadError } from "../../functions/core/policy/load-policy.js";
import { compiledPolicyJson } from "../../functions/core/policy/policy-yaml.js";
import type { Policy } from "../../functions/core/policy/policy.js";
import { REPO_ROOT } from "../paths.js";
import { deploymentConfigSchema, type ParsedDeploymentConfig, type WorkerConfig } from "./schema.js";
import { readSignedPackage } from "./signed-package.js";
import type { ResolvedWorker } from "./resolved-worker.js";
import { verifyWorkersAtSynth } from "./verify-workers.js";

export class DeploymentConfigError extends Error {
  override readonly name = "DeploymentConfigError";
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid deployment config ${source}:\n  - ${problems.join("\n  - ")}`);
  }
}

export interface DeploymentConfig extends Omit<ParsedDeploymentConfig, "workers"> {
  readonly source: string;
  readonly policyPath: string;
  /** The policy as the vend function ships it: compiled from the YAML file, checked at synth. */
  readonly policyJson: string;
  readonly workers: readonly ResolvedWorker[];
}

export const WEBHOOKS_ENTRY = "functions/webhooks/lambda.ts";
export const SWEEPER_ENTRY = "functions/sweeper/lambda.ts";
export const POLLER_ENTRY = "functions/poller/lambda.ts";

export async function loadDeploymentConfig(path: string): Promise<DeploymentConfig> {
  const source = resolve(path);
  let text: string;
  try {
    text = readFileSync(source, "utf8");
  } catch (error) {
    throw new DeploymentConfigError(path, [`cannot read the file (${(error as NodeJS.ErrnoException).code ?? "error"})`]);
  }
  let document: unknown;
  try {
    document = parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    throw new DeploymentConfigError(path, [`not valid YAML: ${(error as Error).message.split("\n")[0]}`]);
  }
  return parseDeploymentConfig(document, source);
}

/** Validates an already parsed document; relative paths are taken from the config file's folder. */
export async function parseDeploymentConfig(document: unknown, source: string): Promise<DeploymentConfig> {
  const parsed = deploymentConfigSchema.safeParse(document);
  if (!parsed.success) throw new DeploymentConfigError(source, parsed.error.issues.map(describeIssue));
  const config = parsed.data;
  const base = dirname(source);
  const problems: string[] = [];

  const policyPath = resolve(base, config.policy);
  const policyYaml = readPolicy(policyPath, problems);
  const policyJson = policyYaml === undefined ? undefined : checkPolicy(policyYaml, config, problems);
  checkWorkerSet(config, problems);
  const workers = config.workers.map((worker, i) => resolveWorker(worker, i, base, problems));
  if (config.webhooks.enabled && !existsSync(resolve(REPO_ROOT, WEBHOOKS_ENTRY)))
    problems.push(`webhooks.enabled: ${WEBHOOKS_ENTRY} does not exist in this checkout (set it to false)`);

  if (problems.length === 0) await verifyWorkersAtSynth(workers, config, problems);
  if (problems.length > 0) throw new DeploymentConfigError(source, problems);
  return { ...config, source, policyPath, policyJson: policyJson ?? "", workers };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.map((part, i) => (typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${String(part)}`)).join("");
  const message =
    issue.code === "unrecognized_keys" ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}` : issue.message;
  return `${field || "(top level)"}: ${message}`;
}

function readPolicy(path: string, problems: string[]): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    problems.push(`policy: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    return undefined;
  }
}

/** The policy is compiled exactly as the function will at cold start, and must trust what the config says.
 *  Returns the JSON the function ships. */
function checkPolicy(yaml: string, config: ParsedDeploymentConfig, problems: string[]): string | undefined {
  let policy: Policy;
  let json: string;
  try {
    ({ json, policy } = compiledPolicyJson(yaml));
  } catch (error) {
    const details = error instanceof PolicyLoadError ? error.problems : [(error as Error).message];
    for (const detail of details) problems.push(`policy: ${detail}`);
    return undefined;
  }
  if (policy.audience !== config.oidc.audience)
    problems.push(`oidc.audience: "${config.oidc.audience}" but the policy file requires "${policy.audience}"`);
  const policyIssuers = [...policy.issuers].sort().join(", ");
  if ([...config.oidc.issuers].sort().join(", ") !== policyIssuers)
    problems.push(`oidc.issuers: must be the policy file's issuers (${policyIssuers})`);
  const providers = new Set(config.workers.flatMap((worker) => worker.providers));
  for (const [i, rule] of policy.rules.entries()) {
    for (const [j, pattern] of rule.allow.entries()) {
      if (!providers.has(pattern.provider))
        problems.push(`policy: rules[${i}].allow[${j}] (${pattern.source}) names provider "${pattern.provider}", which no worker serves`);
    }
  }
  return json;
}

function checkWorkerSet(config: ParsedDeploymentConfig, problems: string[]): void {
  const names = new Map<string, number>();
  const providers = new Map<string, string>();
  config.workers.forEach((worker, i) => {
    if (names.has(worker.name)) problems.push(`workers[${i}].name: "${worker.name}" is also workers[${names.get(worker.name)}]`);
    names.set(worker.name, i);
    for (const provider of worker.providers) {
      const other = providers.get(provider);
      if (other !== undefined) problems.push(`workers[${i}].providers: "${provider}" is already served by ${other}`);
      providers.set(provider, worker.name);
    }
    if (worker.kind === "github" && config.github.appId === undefined)
      problems.push(`github.appId: required by workers[${i}] (kind github)`);
    if ((worker.kind === "aws-sts" || worker.kind === "github") && worker.invokers.length > 0)
      problems.push(
        `workers[${i}].invokers: the ${worker.kind} worker serves only the core; invokers are for local-tokens' introspection URL or a custom worker's own routes`,
      );
  });
  const sts = config.awsSts;
  if (sts.sessionRevocation && !sts.permissionsBoundaryArn && sts.managedPolicyArns.length !== 1)
    problems.push(
      "awsSts.permissionsBoundaryArn: required with sessionRevocation unless managedPolicyArns has exactly one policy (iam:PutRolePolicy could otherwise widen the vended role)",
    );
  if (config.workers.filter((worker) => worker.kind === "aws-sts").length > 1)
    problems.push("workers: at most one worker of kind aws-sts (it owns the vended role)");
}

function resolveWorker(worker: WorkerConfig, i: number, base: string, problems: string[]): ResolvedWorker {
  const field = `workers[${i}]`;
  if (worker.package) {
    if (worker.entry) problems.push(`${field}: set entry or package, not both`);
    const signed = readSignedPackage(worker.package, base, `${field}.package`, problems);
    return signed ? { ...worker, signed } : worker;
  }
  if (worker.kind === "custom" && !worker.entry) problems.push(`${field}.entry: required for kind custom`);
  const entryPath = worker.entry ? resolve(base, worker.entry) : resolve(REPO_ROOT, `plugin-workers/${worker.kind}/lambda.ts`);
  if (!existsSync(entryPath)) problems.push(`${field}.entry: ${entryPath} does not exist`);
  return { ...worker, entryPath };
}
