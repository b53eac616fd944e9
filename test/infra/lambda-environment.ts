// A function's environment as Lambda would give it, from a synthesized template: each Ref/GetAtt
// (and the stack id, through Fn::Select/Fn::Split) becomes a plausible deploy-time value (ARNs,
// names, Function URLs) and /var/task becomes the staged asset folder (where Lambda unpacks the code).
import { LAMBDA_TASK_ROOT } from "../../infra/constructs/function-defaults.js";

const REGION = "eu-west-1";
const ACCOUNT = "111122223333";
export const STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/credvend-prod/51af3dc0-da77-11e4-872e-1234567db123`;

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

export function deployTimeValue(resources: Record<string, Resource>, value: unknown): string {
  if (typeof value === "string") return value;
  const record = value as Record<string, unknown>;
  if ("Fn::Join" in record) {
    const [separator, parts] = record["Fn::Join"] as [string, unknown[]];
    return parts.map((part) => deployTimeValue(resources, part)).join(separator);
  }
  if ("Fn::Select" in record) {
    const [index, list] = record["Fn::Select"] as [number, unknown];
    return deployTimeValues(resources, list)[index]!;
  }
  if (record.Ref === "AWS::StackId") return STACK_ID;
  const [id, attribute] = "Ref" in record ? [String(record.Ref), "Ref"] : (record["Fn::GetAtt"] as [string, string]);
  const type = resources[id]?.Type;
  const name = id.toLowerCase();
  if (attribute === "FunctionUrl") return `https://${name}.lambda-url.${REGION}.on.aws/`;
  switch (type) {
    case "AWS::DynamoDB::Table":
      return attribute === "Ref" ? `credvend-${name}` : `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/credvend-${name}`;
    case "AWS::SecretsManager::Secret":
      return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${deployTimeValue(resources, resources[id]!.Properties.Name)}-AbCdEf`;
    case "AWS::SNS::Topic":
      return `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;
    case "AWS::Lambda::Function":
      return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
    case "AWS::IAM::Role":
      return `arn:aws:iam::${ACCOUNT}:role/${name}`;
    case "AWS::KMS::Key":
      return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${name}`;
  }
  throw new Error(`no deploy-time value for ${JSON.stringify(value)} (${type ?? "unknown resource"})`);
}

function deployTimeValues(resources: Record<string, Resource>, value: unknown): string[] {
  const split = (value as Record<string, unknown>)["Fn::Split"] as [string, unknown] | undefined;
  if (!split) throw new Error(`no deploy-time list for ${JSON.stringify(value)}`);
  return deployTimeValue(resources, split[1]).split(split[0]);
}

export function lambdaEnvironment(resources: Record<string, Resource>, functionId: string, taskRoot: string): Record<string, string> {
  const variables = (resources[functionId]!.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [
      name,
      deployTimeValue(resources, value).replaceAll(`${LAMBDA_TASK_ROOT}/`, `${taskRoot}/`),
    ]),
  );
}

export const LAMBDA_REGION = REGION;
