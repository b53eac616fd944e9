// The aws-sts worker's own table for early session revocation (CREDVEND_AWS_LOCK_TABLE): a lock
// per vended role, so one Lambda environment at a time rewrites the role's deny policy, and the
// sessions asked to be denied (layout in plugin-workers/aws-sts/dynamodb-revocation-store.ts).
// Its own table rather than items in the ledger: the worker depends on nothing of the broker's,
// and its role gets no access at all to the forensic record.
import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { REVOCATION_TABLE_KEY } from "../../plugin-workers/aws-sts/dynamodb-revocation-store.js";

export class AwsStsLockTable extends Construct {
  public readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, "Table", {
      partitionKey: { name: REVOCATION_TABLE_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      // Locks live seconds and recorded sessions hours; the denies themselves are in IAM.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
