// Which ledger `credvend audit` reads: the deployed table (AWS credentials and region from the
// shell, as for the AWS CLI) or the local stack's embedded one. Either way it is the same
// DynamoDB API through the same SDK client and the same reader.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { CliError } from "../cli-error.js";
import { localDynamoClient } from "../dev/local-dynamodb-client.js";
import { startDynalite } from "../embedded-dynamodb.js";
import { LEDGER_TABLE, STATE_FILE } from "../local-stack.js";

export interface LedgerSource {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Where it is, for error messages: `table X in us-east-1`, `the local stack's ledger`. */
  readonly description: string;
  close(): Promise<void>;
}

export interface LedgerSourceOptions {
  readonly table?: string | undefined;
  readonly region?: string | undefined;
  /** `cdk deploy --outputs-file` JSON: its LedgerTableName output names the table. */
  readonly outputs?: string | undefined;
  readonly dataDir?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
}

export const LEDGER_TABLE_OUTPUT = "LedgerTableName";

export async function openLedgerSource(options: LedgerSourceOptions): Promise<LedgerSource> {
  if (options.dataDir !== undefined) {
    if (options.table !== undefined || options.outputs !== undefined)
      throw new CliError("--data-dir reads the local stack: drop --table/--outputs", 2);
    return openLocal(options.dataDir);
  }
  const tableName = options.table ?? (options.outputs ? tableFromOutputs(options.outputs) : options.env.CREDVEND_LEDGER_TABLE);
  if (!tableName) {
    throw new CliError(
      "which ledger? --table NAME (or CREDVEND_LEDGER_TABLE), --outputs cdk-outputs.json, or --data-dir .credvend for the local stack",
      2,
    );
  }
  const client = new DynamoDBClient(options.region ? { region: options.region } : {});
  const region = await client.config.region().catch(() => undefined);
  if (!region) {
    client.destroy();
    throw new CliError("no AWS region: pass --region or set AWS_REGION (or a region in your AWS profile)", 5);
  }
  return { client, tableName, description: `table ${tableName} in ${region}`, close: async () => client.destroy() };
}

/** The table from `cdk deploy --outputs-file`: `{ "<stack>": { "LedgerTableName": "…" } }`. */
function tableFromOutputs(file: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new CliError(`--outputs: cannot read ${file} as JSON (write it with cdk deploy --outputs-file ${file})`, 2);
  }
  const names = Object.values((parsed ?? {}) as Record<string, Record<string, unknown>>)
    .map((stack) => stack?.[LEDGER_TABLE_OUTPUT])
    .filter((name): name is string => typeof name === "string");
  if (names.length !== 1) {
    throw new CliError(
      `--outputs: ${file} has ${names.length === 0 ? "no" : "more than one"} ${LEDGER_TABLE_OUTPUT} output: pass --table`,
      2,
    );
  }
  return names[0] as string;
}

/**
 * The local stack's ledger: through its running embedded server when `npm start` is up (the
 * database files are locked by it), else by opening the files under <dataDir>/dynamodb here.
 */
async function openLocal(dataDir: string): Promise<LedgerSource> {
  const running = runningEndpoint(dataDir);
  if (running) {
    const client = localDynamoClient(running.endpoint, { maxAttempts: 1 }, running.accessKeyId);
    const alive = await client.send(new ListTablesCommand({ Limit: 1 })).then(
      () => true,
      () => false,
    );
    if (alive)
      return { client, tableName: LEDGER_TABLE, description: "the running local stack's ledger", close: async () => client.destroy() };
    client.destroy();
  }
  const path = join(dataDir, "dynamodb");
  if (!existsSync(path)) throw new CliError(`no local ledger under ${dataDir}/ (start the local stack once: npm start)`, 5);
  const dynamo = await startDynalite({ path }).catch((error: unknown) => {
    throw new CliError(`cannot open the local ledger under ${path} (${error instanceof Error ? error.message : String(error)})`, 5);
  });
  const client = localDynamoClient(dynamo.endpoint);
  return {
    client,
    tableName: LEDGER_TABLE,
    description: `the local ledger under ${dataDir}/`,
    close: async () => {
      client.destroy();
      await dynamo.close();
    },
  };
}

/** The embedded server's endpoint (and the access key id it admits) the running stack wrote into its state file, if any. */
function runningEndpoint(dataDir: string): { endpoint: string; accessKeyId?: string } | undefined {
  try {
    const state = JSON.parse(readFileSync(join(dataDir, STATE_FILE), "utf8")) as { dynamoEndpoint?: unknown; dynamoAccessKeyId?: unknown };
    if (typeof state.dynamoEndpoint !== "string") return undefined;
    return {
      endpoint: state.dynamoEndpoint,
      ...(typeof state.dynamoAccessKeyId === "string" ? { accessKeyId: state.dynamoAccessKeyId } : {}),
    };
  } catch {
    return undefined;
  }
}
