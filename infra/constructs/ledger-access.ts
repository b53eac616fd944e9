// Ledger grants, per function, as the DynamoDB calls its code makes through DynamoDbLedger.
// Keep in step with functions/adapters/ledger/dynamodb-ledger.ts: a new call there needs its action here.
import { PolicyStatement, type IGrantable } from "aws-cdk-lib/aws-iam";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";

export const LEDGER_ACTIONS = {
  /** recordVend (one TransactWriteItems of Puts: IAM checks PutItem for each), recordIssued
   *  (BatchWriteItem of lookups, conditional PutItem), appendAudit and appendAuditOnce (conditional
   *  PutItem; a refused condition needs no other action), scheduleRevocation (PutItem);
   *  DELETE /v1/credentials/{id}: getCredential (GetItem) and the revocation claim (UpdateItem);
   *  self-serve trust: the push marker of a target (GetItem, dynamodb-trust-policy-invalidations.ts). */
  vend: ["dynamodb:BatchWriteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
  /** findByTokenHash(es) (GetItem, BatchGetItem), the invalidation claim (UpdateItem), appendAudit (PutItem);
   *  a `push` touching .github/credvend/: its marker (UpdateItem). */
  webhooks: ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
  /** As webhooks, plus dropping a pending alert once read (DeleteItem); its Query is on the sweep index. */
  sweeper: ["dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
  /** As webhooks: its watermark is one item (GetItem, PutItem), an alert listed without its secret a pending alert (PutItem). */
  poller: ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
} as const;

/** Query on the sparse sweep index only (functions/adapters/ledger/dynamodb-ledger-claims.ts dueItems). */
export function grantSweepIndex(grantee: IGrantable, table: ITable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ["dynamodb:Query"], resources: [`${table.tableArn}/index/bySweep`] }),
  );
}

/** Item-level access to the table itself; only the sweeper queries an index (forensics run elsewhere). */
export function grantLedger(grantee: IGrantable, table: ITable, actions: readonly string[]): void {
  grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: [...actions], resources: [table.tableArn] }));
}
