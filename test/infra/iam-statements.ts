// Reads the IAM statements a template grants to one role, normalized for exact comparison:
// actions sorted, single values as lists, tokens in their CloudFormation form (stack.resolve);
// sortStatements compares what is granted, however the statements are grouped.
import type { Stack } from "aws-cdk-lib";
import type { Template } from "aws-cdk-lib/assertions";
import type { CfnRole, IRole } from "aws-cdk-lib/aws-iam";

export interface Statement {
  readonly actions: readonly string[];
  readonly resources: readonly unknown[];
  readonly condition?: unknown;
}

interface RawStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

export function roleLogicalId(stack: Stack, role: IRole): string {
  return stack.getLogicalId(role.node.defaultChild as CfnRole);
}

export function statementsOf(template: Template, stack: Stack, role: IRole): Statement[] {
  const id = roleLogicalId(stack, role);
  const policies = Object.values(template.findResources("AWS::IAM::Policy")) as {
    Properties: { Roles: unknown[]; PolicyDocument: { Statement: RawStatement[] } };
  }[];
  return policies
    .filter((policy) => policy.Properties.Roles.some((ref) => JSON.stringify(ref) === JSON.stringify({ Ref: id })))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
    .map((raw) => {
      if (raw.Effect !== "Allow") throw new Error(`unexpected ${raw.Effect} statement`);
      return normalize({ actions: [raw.Action].flat(), resources: [raw.Resource].flat(), condition: raw.Condition });
    });
}

export function statement(stack: Stack, actions: readonly string[], resources: readonly unknown[], condition?: unknown): Statement {
  return normalize({ actions, resources: resources.map((r) => stack.resolve(r)), condition });
}

function normalize(s: Statement): Statement {
  return { actions: [...s.actions].sort(), resources: s.resources, ...(s.condition === undefined ? {} : { condition: s.condition }) };
}

/**
 * The permissions a list grants, one statement per action and resource, sorted and without
 * repeats: the same whether CDK merges statements (`@aws-cdk/aws-iam:minimizePolicies`) or not.
 */
export function sortStatements(list: readonly Statement[]): Statement[] {
  const atoms = list.flatMap((s) =>
    s.actions.flatMap((action) =>
      s.resources.map((resource) => normalize({ actions: [action], resources: [resource], condition: s.condition })),
    ),
  );
  const unique = new Map(atoms.map((atom) => [JSON.stringify(atom), atom]));
  return [...unique.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, atom]) => atom);
}

/** A CloudFormation string (literal or Fn::Join) with each Ref/GetAtt shown as {{Ref:X}} or {{X.Attr}}. */
export function cfnText(value: unknown): string {
  if (typeof value === "string") return value;
  const record = value as Record<string, unknown>;
  if ("Fn::Join" in record) {
    const [separator, parts] = record["Fn::Join"] as [string, unknown[]];
    return parts.map(cfnText).join(separator);
  }
  if ("Ref" in record) return `{{Ref:${String(record.Ref)}}}`;
  if ("Fn::GetAtt" in record) return `{{${(record["Fn::GetAtt"] as string[]).join(".")}}}`;
  throw new Error(`unexpected CloudFormation value ${JSON.stringify(value)}`);
}
