import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadPolicyYaml } from "../functions/core/policy/policy-yaml.js";
import { CliError } from "./cli-error.js";
import { checkPolicy, policyKindOf, type PolicyKind } from "./policy-diagnostics.js";

export const POLICY_CHECK_USAGE = `credvend policy check — lint a central policy or a target's trust policy

Usage: credvend policy check FILE [--kind central|target] [--policy credvend.policy.yaml]

Compiles FILE with the same loader the broker uses and prints each problem as
FILE:LINE:COLUMN: error: ..., then warnings for anchors by name (repository or repository_owner
without its id: a renamed or deleted name can be registered by someone else).
A file with \`grants\` is a target policy (.github/credvend/<identity>.yaml); otherwise central.

Options:
  --kind K        central or target (default: from the file)
  --policy FILE   For a target policy: the central policy whose issuers a grant's iss must name
                  (default: GitHub Actions' issuer)
  -h, --help      Show this help

Exit: 0 no errors (warnings allowed), 1 errors, 2 usage.
`;

export async function runPolicyCheck(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { kind: { type: "string" }, policy: { type: "string" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(POLICY_CHECK_USAGE);
    return 0;
  }
  const [file, extra] = positionals;
  if (!file || extra !== undefined) throw new CliError("policy check: name one policy file", 2);
  if (values.kind !== undefined && values.kind !== "central" && values.kind !== "target")
    throw new CliError("--kind: must be central or target", 2);
  const text = readText(file);
  const kind: PolicyKind = (values.kind as PolicyKind | undefined) ?? policyKindOf(text);
  const issuers = values.policy ? centralIssuers(values.policy) : undefined;
  const diagnostics = checkPolicy(text, kind, issuers);
  for (const d of diagnostics) process.stdout.write(`${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}\n`);
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  process.stdout.write(
    `${file}: ${kind} policy: ${errors === 0 ? "valid" : "invalid"}, ${count(errors, "error")}, ${count(warnings, "warning")}\n`,
  );
  return errors === 0 ? 0 : 1;
}

export function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

function centralIssuers(file: string): readonly string[] {
  try {
    return loadPolicyYaml(readText(file)).issuers;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`--policy ${file} is not a valid central policy: run credvend policy check ${file}`);
  }
}
