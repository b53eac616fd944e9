// local-tokens' introspection for internal services: a function of its own, running the worker's
// code (the same bundle or signed zip) with LOCAL_TOKENS_MODE=introspection, behind its own
// AWS_IAM Function URL. It serves POST /introspect and /healthz and no gRPC method, reads the token
// table and never writes it. The configured `invokers` are granted on this URL only, so a service
// allowed to introspect can never reach the worker's Vend or Revoke.
import { ArnPrincipal, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { FunctionUrlAuthType, type FunctionUrl } from "aws-cdk-lib/aws-lambda";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { CredvendFunction } from "./credvend-function.js";
import type { PluginWorker } from "./plugin-worker.js";

export interface LocalTokensIntrospectionProps {
  readonly worker: PluginWorker;
  readonly table: ITable;
  readonly logRetention: RetentionDays;
}

/** DynamoDbLocalTokenStore.findByHash: one GetItem per introspection. */
export const INTROSPECTION_TABLE_ACTIONS = ["dynamodb:GetItem"];

export class LocalTokensIntrospection extends Construct {
  public readonly lambda: CredvendFunction;
  public readonly url: FunctionUrl;

  constructor(scope: Construct, id: string, props: LocalTokensIntrospectionProps) {
    super(scope, id);
    const { worker } = props;
    this.lambda = new CredvendFunction(this, "Function", {
      description: `token introspection of worker ${worker.worker.name}`,
      code: worker.code,
      settings: worker.worker.settings,
      logRetention: props.logRetention,
      environment: { ...worker.worker.environment, LOCAL_TOKENS_TABLE: props.table.tableName, LOCAL_TOKENS_MODE: "introspection" },
    });
    this.lambda.role.addToPrincipalPolicy(new PolicyStatement({ actions: INTROSPECTION_TABLE_ACTIONS, resources: [props.table.tableArn] }));
    this.url = this.lambda.function.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
    for (const arn of worker.worker.invokers) this.lambda.function.grantInvokeUrl(new ArnPrincipal(arn));
  }
}
