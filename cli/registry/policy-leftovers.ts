// After `plugin remove`: the policy rules that still allow a provider no worker serves any more.
// `cdk synth` refuses such a policy (`… names provider "acme", which no worker serves`), so remove
// names each rule and pattern, in every policy file the project uses, and how to drop them.
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { loadPolicyYaml } from "../../functions/core/policy/policy-yaml.js";

export interface PolicyLeftover {
  readonly file: string;
  readonly rule: string;
  readonly index: number;
  readonly patterns: readonly string[];
}

/** The policy files in use: <dir>/credvend.policy.yaml and the one the deployment config names. */
export function policyFiles(projectDir: string, deploymentConfig: string | undefined): string[] {
  const files = [resolve(projectDir, "credvend.policy.yaml")];
  if (deploymentConfig !== undefined && existsSync(deploymentConfig)) {
    try {
      const policy = (parseYaml(readFileSync(deploymentConfig, "utf8")) as { policy?: unknown } | null)?.policy;
      if (typeof policy === "string") files.push(resolve(dirname(deploymentConfig), policy));
    } catch {
      // A broken config is reported by synth; here only its policy path is wanted.
    }
  }
  return [...new Set(files)].filter((file) => existsSync(file));
}

/** Every rule of those files with an allow pattern of one of `providers`; a file that does not compile is skipped. */
export function policyLeftovers(files: readonly string[], providers: readonly string[]): PolicyLeftover[] {
  return files.flatMap((file) => {
    let rules: ReturnType<typeof loadPolicyYaml>["rules"];
    try {
      rules = loadPolicyYaml(readFileSync(file, "utf8")).rules;
    } catch {
      return [];
    }
    return rules.flatMap((rule, index) => {
      const patterns = rule.allow.filter((pattern) => providers.includes(pattern.provider)).map((pattern) => pattern.source);
      return patterns.length > 0 ? [{ file, rule: rule.name, index, patterns }] : [];
    });
  });
}

/** What remove prints: each rule and pattern, and what to do. */
export function leftoversText(leftovers: readonly PolicyLeftover[], providers: readonly string[], projectDir: string): string {
  if (leftovers.length === 0) return `  policy    no rule allows ${providers.join(", ")} any more\n`;
  const lines = leftovers.map(
    (l) =>
      `              ${relative(projectDir, l.file) || l.file}: rule "${l.rule}" (rules[${l.index}]) allows ${l.patterns.map((p) => `"${p}"`).join(", ")}\n`,
  );
  return (
    `  policy    these rules still allow provider ${providers.join(", ")}, which no worker serves now:\n${lines.join("")}` +
    "            delete those allow entries (and a rule left with none) before the next cdk synth or npm start:\n" +
    `            synth refuses a policy naming a provider no worker serves\n`
  );
}
