// A vend's ledger writes as one TransactWriteItems, for stores that have transactions (AWS
// DynamoDB, DynamoDB Local; dynalite has none): the hash lookups, the record (only if its id is
// new) and the vend event (only if its id is new) land together or not at all, in one round trip.
// The SDK gives the request an idempotency token (ClientRequestToken), so its own retry of a
// request that did land succeeds instead of failing the conditions.
import { TransactWriteItemsCommand, TransactionCanceledException, type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { VendNotRecordedError } from "../../core/errors.js";
import { KEY, type Item } from "./dynamodb-ledger-items.js";
import { sdkError, type Table } from "./dynamodb-requests.js";

/** DynamoDB's limit of items in one transaction. */
export const TRANSACTION_ITEM_LIMIT = 100;

const IF_NEW = { ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": KEY.pk } };

export async function writeVendTransaction(table: Table, parts: { lookups: Item[]; record: Item; event: Item }): Promise<void> {
  const put = (item: Item, condition = {}): TransactWriteItem => ({ Put: { TableName: table.name, Item: item, ...condition } });
  const items = [...parts.lookups.map((item) => put(item)), put(parts.record, IF_NEW), put(parts.event, IF_NEW)];
  try {
    await table.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
  } catch (error) {
    // Nothing of a cancelled transaction was written, so neither was the event.
    const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
    const refused = (index: number) => reasons[index]?.Code === "ConditionalCheckFailed";
    if (refused(items.length - 2)) {
      throw new VendNotRecordedError("recordIssued: a credential with this id already exists", false, { cause: error });
    }
    if (refused(items.length - 1))
      throw new VendNotRecordedError("appendAudit: an event with this id already exists", false, { cause: error });
    throw new VendNotRecordedError(sdkError("recordVend", error).message, false, { cause: error });
  }
}
