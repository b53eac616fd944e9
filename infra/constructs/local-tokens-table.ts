// The local-tokens worker's own table: one item per token hash and one per credential id
// (layout in plugin-workers/local-tokens/dynamodb-store.ts, key `pk`, expiry `expiresAtEpoch`).
import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";

export class LocalTokensTable extends Construct {
  public readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, "Table", {
      partitionKey: { name: "pk", type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: "expiresAtEpoch",
      // Introspection answers from it: keep it (hashes only) across `cdk destroy`.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
