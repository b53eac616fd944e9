import { parseArgs } from "node:util";
import { decodeJwt } from "jose";
import { toClaims } from "../functions/adapters/oidc/github-oidc-verifier.js";
import type { TargetPolicyLookup } from "../functions/core/policy/evaluate-request.js";
import { PolicyLoadError } from "../functions/core/policy/load-policy.js";
import type { Policy } from "../functions/core/policy/policy.js";
import { loadPolicyYaml } from "../functions/core/policy/policy-yaml.js";
import { loadTargetPolicyFile } from "./policy-target-file.js";
import { IDENTITY_PATTERN } from "../plugin-protocol/identity.js";
import { ScopeSyntaxError } from "../plugin-protocol/scope.js";
import type { Claims } from "../plugin-protocol/claims.js";
import { CliError } from "./cli-error.js";
import { readText } from "./policy-check-command.js";
import { explainRequest } from "./policy-explain.js";

export const POLICY_EXPLAIN_USAGE = `credvend policy explain — why a vend would be allowed or refused, one line per scope

Usage: credvend policy explain (--token JWT | --claims FILE) --scope S [--scope S ...]
                               [--identity NAME] [--policy credvend.policy.yaml] [--target-policy FILE]

Evaluates the scopes against the central policy (and, with --identity, its delegations and the
target's trust policy) exactly as the broker does, and prints per scope what allowed it (rule, or
delegation + grant) or which condition of which rule refused it. For the operator: the broker's
HTTP API never explains a denial to a caller. The token's signature and expiry are NOT checked:
only its claims are read.

Options:
  --token JWT           An OIDC token whose claims to use (e.g. from credvend dev token)
  --claims FILE         The claims as a JSON object instead, e.g. {"repository_id":"264037838","ref":"refs/heads/main"}
  --scope S             provider:action:resource (repeatable)
  --identity NAME       The trust-policy identity of the request (self-serve trust)
  --policy FILE         The central policy (default: credvend.policy.yaml)
  --target-policy FILE  The target's trust policy (.github/credvend/<identity>.yaml) for delegated scopes
  -h, --help            Show this help

Exit: 0 every scope allowed, 1 some refused, 2 usage.
`;

export async function runPolicyExplain(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      token: { type: "string" },
      claims: { type: "string" },
      scope: { type: "string", multiple: true },
      identity: { type: "string" },
      policy: { type: "string", default: "credvend.policy.yaml" },
      "target-policy": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(POLICY_EXPLAIN_USAGE);
    return 0;
  }
  if ((values.token === undefined) === (values.claims === undefined))
    throw new CliError("give --token JWT or --claims FILE (one of them)", 2);
  const scopes = values.scope ?? [];
  if (scopes.length === 0) throw new CliError("--scope is required (repeatable)", 2);
  if (values.identity !== undefined && !IDENTITY_PATTERN.test(values.identity))
    throw new CliError(`--identity: "${values.identity}" is not an identity name (${IDENTITY_PATTERN.source})`, 2);
  const policy = loadCentral(values.policy);
  const claims = values.token !== undefined ? claimsOfToken(values.token) : claimsOfFile(values.claims!);
  const targetFile = values["target-policy"];
  const target = targetFile === undefined ? undefined : loadTarget(targetFile, policy);
  const explanation = await explainRequest({
    policy,
    claims,
    scopes,
    ...(values.identity !== undefined ? { identity: values.identity } : {}),
    ...(target ? { target } : {}),
  }).catch((error: unknown) => {
    if (error instanceof ScopeSyntaxError) throw new CliError(`--scope: ${error.message}`, 2);
    throw error;
  });
  for (const problem of explanation.token) process.stdout.write(`TOKEN ${problem}\n`);
  for (const line of explanation.lines) process.stdout.write(`${line.text}\n`);
  return explanation.token.length === 0 && explanation.lines.every((line) => line.allowed) ? 0 : 1;
}

function loadCentral(file: string): Policy {
  try {
    return loadPolicyYaml(readText(file));
  } catch (error) {
    if (error instanceof PolicyLoadError) throw new CliError(`${file} is not a valid policy: run credvend policy check ${file}`);
    throw error;
  }
}

/** The target file as the broker would find it on the default branch; a local file has no commit. */
function loadTarget(file: string, policy: Policy): TargetPolicyLookup {
  const origin = { repository: "(local file)", path: file, commitSha: "(none)" };
  try {
    return { status: "found", policy: loadTargetPolicyFile(readText(file), policy.issuers), origin };
  } catch (error) {
    if (error instanceof PolicyLoadError) return { status: "invalid", origin, problems: error.problems };
    throw error;
  }
}

function claimsOfToken(token: string): Claims {
  try {
    return toClaims(decodeJwt(token.trim()));
  } catch {
    throw new CliError("--token: not a JWT (three base64url parts with a JSON payload)", 2);
  }
}

function claimsOfFile(file: string): Claims {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readText(file));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`--claims: ${file} is not JSON`, 2);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new CliError(`--claims: ${file} must hold a JSON object of claims`, 2);
  return toClaims(parsed as Record<string, unknown>);
}
