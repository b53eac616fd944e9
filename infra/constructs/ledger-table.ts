// The ledger table, derived from ledgerTableDefinition(): the keys and indexes the code queries
// are defined once, so infra and code cannot drift apart.
import { RemovalPolicy } from "aws-cdk-lib";
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
  type Attribute,
} from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import type { KeySchemaElement } from "@aws-sdk/client-dynamodb";
import { LEDGER_TTL_ATTRIBUTE, ledgerTableDefinition } from "../../functions/adapters/ledger/dynamodb-ledger-table.js";

export class LedgerTable extends Construct {
  public readonly table: Table;
  /** Index names, for grants scoped to exactly these indexes. */
  public readonly indexNames: readonly string[];

  /** `stream`: new items on a NEW_IMAGE stream, for the anomalies function. */
  constructor(scope: Construct, id: string, props: { readonly stream?: boolean } = {}) {
    super(scope, id);
    const definition = ledgerTableDefinition("unused: CloudFormation names the table");
    const types = new Map((definition.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
    const keys = (schema: readonly KeySchemaElement[] | undefined) => {
      const attribute = (type: string): Attribute | undefined => {
        const name = schema?.find((k) => k.KeyType === type)?.AttributeName;
        return name ? { name, type: attributeType(types.get(name)) } : undefined;
      };
      return { partitionKey: attribute("HASH")!, sortKey: attribute("RANGE") };
    };

    const primary = keys(definition.KeySchema);
    this.table = new Table(this, "Table", {
      partitionKey: primary.partitionKey,
      ...(primary.sortKey ? { sortKey: primary.sortKey } : {}),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: LEDGER_TTL_ATTRIBUTE,
      // The ledger is the forensic record: it survives `cdk destroy` and accidental deletes.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
      ...(props.stream ? { stream: StreamViewType.NEW_IMAGE } : {}),
    });
    for (const index of definition.GlobalSecondaryIndexes ?? []) {
      if (index.Projection?.ProjectionType !== "ALL") throw new Error(`ledger index ${index.IndexName}: only ALL projections are mapped`);
      const indexKeys = keys(index.KeySchema);
      this.table.addGlobalSecondaryIndex({
        indexName: index.IndexName!,
        partitionKey: indexKeys.partitionKey,
        ...(indexKeys.sortKey ? { sortKey: indexKeys.sortKey } : {}),
        projectionType: ProjectionType.ALL,
      });
    }
    this.indexNames = (definition.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName!);
  }
}

function attributeType(type: string | undefined): AttributeType {
  if (type === "S") return AttributeType.STRING;
  if (type === "N") return AttributeType.NUMBER;
  if (type === "B") return AttributeType.BINARY;
  throw new Error(`ledger table definition: unsupported attribute type ${type}`);
}
