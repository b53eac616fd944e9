// A target's own trust policy (`.github/credvend/<identity>.yaml` on its default branch): which
// workflows may be granted which permissions on it, under the central policy's delegations.
// Compiled with the central policy's parts (policy-fields.ts), so a grant's `when` has the same
// claims, matchers and anchor rules as a rule's: a literal repository or owner, by name or id.
import { compileGlob, globProblem, type Glob } from "./glob.js";
import { compileWhen, isFields, nonEmptyString, stringList, ttl, unknownFields } from "./policy-fields.js";
import { PolicyLoadError } from "./policy-load-error.js";
import { DEFAULT_MAX_TTL_SECONDS } from "./policy.js";

export interface TargetPolicy {
  readonly version: 1;
  readonly grants: readonly TargetGrant[];
}

export interface TargetGrant {
  readonly name: string;
  /** The caller's claims, exactly as a central rule's `when`. */
  readonly when: ReadonlyMap<string, Glob>;
  /** Permissions on the target itself: the scope's action (`contents-write`), `*` allowed. */
  readonly allow: readonly Glob[];
  readonly maxTtlSeconds: number;
}

const TOP_FIELDS = new Set(["version", "grants"]);
const GRANT_FIELDS = new Set(["name", "when", "allow", "maxTtl"]);
const PERMISSION = /^[a-z0-9*-]+$/;

/**
 * The compiled policy, or a PolicyLoadError naming every problem's field. `issuers`: the central
 * policy's; a grant that names `iss` must name one of them.
 */
export function compileTargetPolicy(document: unknown, issuers: readonly string[]): TargetPolicy {
  const problems: string[] = [];
  if (!isFields(document)) throw new PolicyLoadError(["the trust policy must be a mapping with version and grants"]);
  unknownFields(document, TOP_FIELDS, "", problems);
  if (document.version !== 1) problems.push("version: must be 1");
  const grants: TargetGrant[] = [];
  if (!Array.isArray(document.grants)) problems.push("grants: must be a list");
  else
    document.grants.forEach((raw: unknown, i: number) => {
      const grant = compileGrant(raw, `grants[${i}]`, issuers, problems);
      if (grant) grants.push(grant);
    });
  const names = grants.map((grant) => grant.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) problems.push(`grants[${i}].name: "${name}" is used by another grant`);
  });
  if (problems.length > 0) throw new PolicyLoadError(problems);
  return { version: 1, grants };
}

function compileGrant(raw: unknown, at: string, issuers: readonly string[], problems: string[]): TargetGrant | undefined {
  if (!isFields(raw)) {
    problems.push(`${at}: must be a mapping with name, when, allow`);
    return undefined;
  }
  const before = problems.length;
  unknownFields(raw, GRANT_FIELDS, `${at}.`, problems);
  const name = nonEmptyString(raw.name, `${at}.name`, problems);
  // The delegation above it names the issuer; a grant need not repeat it.
  const when = compileWhen(raw.when, `${at}.when`, { issuers, requireIssuer: false }, problems);
  const allow = stringList(raw.allow, `${at}.allow`, problems).flatMap((source, i) => {
    const problem = PERMISSION.test(source)
      ? globProblem(source)
      : `"${source}" must be a permission on this repository like contents-write (lower-case letters, digits, dashes and '*'; no provider or repository)`;
    if (problem) {
      problems.push(`${at}.allow[${i}]: ${problem}`);
      return [];
    }
    return [compileGlob(source, { separator: ":" })];
  });
  const maxTtlSeconds = raw.maxTtl === undefined ? DEFAULT_MAX_TTL_SECONDS : ttl(raw.maxTtl, `${at}.maxTtl`, problems);
  if (problems.length > before) return undefined;
  return { name, when, allow, maxTtlSeconds };
}
