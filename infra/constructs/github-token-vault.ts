// The github worker's token vault (plugin-workers/github/token-vault-aws.ts): revoking a GitHub
// installation token needs the token itself, so the worker keeps each one sealed with KMS until
// it expires. The key policy lets the worker, and only the worker, seal and open (bound to a
// credential id by the encryption context); the account keeps administration, not use.
import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { AttributeType, BillingMode, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { AccountRootPrincipal, ArnPrincipal, PolicyDocument, PolicyStatement, type IRole } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";

/** The vault's item calls: seal on vend (PutItem), open on revoke (GetItem), tombstone once revoked (UpdateItem). */
export const TOKEN_VAULT_TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"];

/** Key administration for the account, without Encrypt/Decrypt/GenerateDataKey/ReEncrypt. */
const KEY_ADMIN_ACTIONS = [
  "kms:CancelKeyDeletion",
  "kms:Create*",
  "kms:Delete*",
  "kms:Describe*",
  "kms:Disable*",
  "kms:Enable*",
  "kms:Get*",
  "kms:List*",
  "kms:Put*",
  "kms:Revoke*",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:Update*",
];

export class GithubTokenVault extends Construct {
  public readonly table: Table;
  public readonly key: Key;

  constructor(scope: Construct, id: string, props: { readonly workerRole: IRole }) {
    super(scope, id);
    this.table = new Table(this, "Table", {
      partitionKey: { name: "credentialId", type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: "ttl",
      // Sealed tokens live an hour at most: nothing worth keeping after the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.key = new Key(this, "Key", {
      description: `credvend ${Stack.of(this).stackName}: seals GitHub tokens for revocation (github worker only)`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
      policy: new PolicyDocument({
        statements: [
          new PolicyStatement({ principals: [new AccountRootPrincipal()], actions: KEY_ADMIN_ACTIONS, resources: ["*"] }),
          new PolicyStatement({
            principals: [new ArnPrincipal(props.workerRole.roleArn)],
            actions: ["kms:Encrypt", "kms:Decrypt"],
            resources: ["*"], // in a key policy, "*" is this key
            conditions: {
              "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["credentialId"] },
              Null: { "kms:EncryptionContextKeys": "false" },
            },
          }),
        ],
      }),
    });
  }
}
