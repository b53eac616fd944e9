// The embedded default: the whole system on one machine, no AWS account. Used by `npm start`,
// the end-to-end tests and the benchmark, so all three exercise the same wiring.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import type { Logger } from "../functions/core/ports/logger.js";
import type { Policy } from "../functions/core/policy/policy.js";
import { loadOrCreateDevIssuer, type DevIssuer } from "../functions/adapters/dev-oidc-issuer.js";
import { DynamoDbLedger, ensureLedgerTable } from "../functions/adapters/dynamodb-ledger.js";
import { localDynamoClient } from "../functions/adapters/local-dynamodb-client.js";
import { composeVendApp } from "../functions/vend/compose.js";
import { DynamoDbLocalTokenStore, ensureLocalTokensTable } from "../plugin-workers/local-tokens/dynamodb-store.js";
import { startLocalTokensWorker } from "../plugin-workers/local-tokens/serve.js";
import { startDynalite } from "./embedded-dynamodb.js";

export const LEDGER_TABLE = "credvend-ledger";
export const LOCAL_TOKENS_TABLE = "credvend-local-tokens";
export const DEV_ISSUER_PATH = "/dev-oidc";
export const STATE_FILE = "dev-server.json";

export interface LocalStackOptions {
  /** Where the data lives (`.credvend`); in memory when undefined. */
  readonly dataDir?: string;
  /** Port of the vend app on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  readonly policyYaml: string;
  readonly logger: Logger;
  /** Where the dev OIDC key lives; required when dataDir is undefined. */
  readonly keyDir?: string;
}

export interface LocalStack {
  /** Base URL of the vend app. */
  readonly url: string;
  readonly workerUrl: string;
  readonly dynamoEndpoint: string;
  readonly issuer: DevIssuer;
  readonly policy: Policy;
  readonly ledger: DynamoDbLedger;
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    const dynamo = await startDynalite(options.dataDir ? { path: join(options.dataDir, "dynamodb") } : {});
    closers.push(dynamo.close);
    const client = localDynamoClient(dynamo.endpoint);
    closers.push(async () => client.destroy());
    await ensureLedgerTable(client, LEDGER_TABLE);
    await ensureLocalTokensTable(client, LOCAL_TOKENS_TABLE);

    const worker = await startLocalTokensWorker({
      port: 0,
      store: new DynamoDbLocalTokenStore(client, LOCAL_TOKENS_TABLE),
    });
    closers.push(worker.close);

    // The issuer URL contains the vend app's port: bind first, then build the app behind it.
    let handler: (request: Request) => Response | Promise<Response> = () => new Response("starting", { status: 503 });
    const server = await listen((request) => handler(request), options.port);
    closers.push(() => closeServer(server.server));
    const url = `http://127.0.0.1:${server.port}`;

    const keyDir = options.keyDir ?? join(options.dataDir ?? ".credvend", "dev-oidc");
    const issuer = await loadOrCreateDevIssuer({ dir: keyDir, issuerUrl: `${url}${DEV_ISSUER_PATH}` });
    const ledger = new DynamoDbLedger({ client, tableName: LEDGER_TABLE });
    const { app, policy } = composeVendApp({
      policyYaml: options.policyYaml,
      ledger,
      workers: [{ name: "local-tokens", url: worker.url, providers: ["local"] }],
      extraIssuers: [issuer.issuerUrl],
      logger: options.logger,
    });
    app.route(DEV_ISSUER_PATH, issuer.routes());
    handler = app.fetch;

    if (options.dataDir) {
      writeFileSync(
        join(options.dataDir, STATE_FILE),
        `${JSON.stringify({ url, issuer: issuer.issuerUrl, audience: policy.audience, workerUrl: worker.url }, null, 2)}\n`,
      );
    }
    return { url, workerUrl: worker.url, dynamoEndpoint: dynamo.endpoint, issuer, policy, ledger, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname: "127.0.0.1" }, (info) => resolve({ server, port: info.port }));
    server.once("error", reject);
  });
}

function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    if ("closeAllConnections" in server) server.closeAllConnections();
  });
}
