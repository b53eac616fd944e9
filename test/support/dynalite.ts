// The tests use the same embedded DynamoDB API server as `npm start`.
export { startDynalite, type LocalDynamo } from "../../cli/embedded-dynamodb.js";
export { localDynamoClient } from "../../cli/dev/local-dynamodb-client.js";
