// `credvend doctor`: is the local stack or a deployed credvend healthy, and if not, why.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CliError } from "../cli-error.js";
import { STATE_FILE } from "../local-stack.js";
import { policyFingerprint } from "../../functions/core/policy/policy-fingerprint.js";
import { loadPolicyYaml } from "../../functions/core/policy/policy-yaml.js";
import { checkDeploymentConfig, checkIssuerClocks, checkService, checkStatus, type LocalPolicy } from "./doctor-checks.js";
import { exitCodeOf, type Finding, formatFindings } from "./findings.js";

export const DOCTOR_USAGE = `credvend doctor — is credvend (local or deployed) healthy, and if not, why

Usage: credvend doctor [--url URL] [--data-dir .credvend] [--policy credvend.policy.yaml]
                       [--config infra/credvend.config.yaml] [--json]

Checks, against the running local stack (npm start) or the deployed URL:
  - it answers (GET /healthz);
  - the audience and issuers in force, which policy (the same as --policy's file, or another?),
    and every worker: verified (signature, code, Describe)
    and configured (a worker that would answer "not configured" to a vend says so now)
    (GET /v1/status: names and states only);
  - each issuer's clock (the Date of its key set) against credvend's: beyond 60 s, fresh
    tokens are refused;
  - the deployment config's problems, as \`cdk synth\` would report them, when --config is given
    or infra/credvend.config.yaml exists.

Options:
  --url URL         credvend's base URL (default: $CREDVEND_URL, else the local stack's)
  --data-dir DIR    The local stack's data folder, to find its URL (default: .credvend)
  --policy FILE     The policy file to compare with the one in force (default:
                    credvend.policy.yaml if present)
  --config FILE     The deployment config to check (default: infra/credvend.config.yaml if present)
  --json            The findings as JSON
  -h, --help        Show this help

A worker that is not configured is a warning on the local stack (npm start runs aws-sts and github
unconfigured until you configure them) and a problem anywhere else.

Exit codes: 0 healthy (warnings allowed); 1 a problem (named on its line); 2 usage error;
5 credvend unreachable (the reason is named).
`;

const DEFAULT_CONFIG = "infra/credvend.config.yaml";
const DEFAULT_POLICY = "credvend.policy.yaml";

export async function runDoctor(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      url: { type: "string" },
      "data-dir": { type: "string", default: ".credvend" },
      config: { type: "string" },
      policy: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(DOCTOR_USAGE);
    return 0;
  }
  const url = targetUrl(values.url ?? env.CREDVEND_URL, values["data-dir"]);
  const configPath = values.config ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
  if (values.config !== undefined && !existsSync(values.config)) throw new CliError(`--config: ${values.config} does not exist`, 2);

  const policy = localPolicy(values.policy);
  const findings: Finding[] = [];
  const service = await checkService(url);
  findings.push(...service.findings);
  if (service.reachable) {
    const status = await checkStatus(url, isLoopback(url), policy);
    findings.push(...status.findings);
    findings.push(...(await checkIssuerClocks(status.issuers, service.skewMs)));
  }
  if (configPath) findings.push(...(await checkDeploymentConfig(configPath)));

  process.stdout.write(
    values.json ? `${JSON.stringify({ url, exitCode: exitCodeOf(findings), findings }, null, 2)}\n` : formatFindings(url, findings),
  );
  return exitCodeOf(findings);
}

function targetUrl(given: string | undefined, dataDir: string): string {
  if (given !== undefined) {
    if (!URL.canParse(given)) throw new CliError(`--url (or CREDVEND_URL): "${given}" is not a URL`, 2);
    return given.replace(/\/+$/, "");
  }
  const stateFile = join(dataDir, STATE_FILE);
  if (!existsSync(stateFile))
    throw new CliError(`which credvend? --url URL (or CREDVEND_URL), or start the local stack (npm start; none found under ${dataDir})`, 2);
  try {
    const state = JSON.parse(readFileSync(stateFile, "utf8")) as { url?: unknown };
    if (typeof state.url === "string") return state.url;
  } catch {
    // fall through
  }
  throw new CliError(`${stateFile} names no URL: pass --url`, 2);
}

/** The policy file to compare with the one in force: --policy, else credvend.policy.yaml if present. */
function localPolicy(given: string | undefined): LocalPolicy | undefined {
  const file = given ?? (existsSync(DEFAULT_POLICY) ? DEFAULT_POLICY : undefined);
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new CliError(`--policy: cannot read ${file}`, 2);
  }
  try {
    return { file, fingerprint: policyFingerprint(loadPolicyYaml(text)) };
  } catch (error) {
    throw new CliError(`${file}: ${(error as Error).message}`, 1);
  }
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
