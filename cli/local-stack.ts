// The embedded default: the whole system on one machine, no AWS account. Used by `npm start`,
// the end-to-end tests and the benchmark, so all three exercise the same wiring.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serve, type ServerType } from "@hono/node-server";
import type { Logger } from "../functions/core/ports/logger.js";
import type { Policy } from "../functions/core/policy/policy.js";
import { loadPolicyYaml } from "../functions/core/policy/policy-yaml.js";
import { loadOrCreateDevIssuer, type DevIssuer } from "./dev/dev-oidc-issuer.js";
import { DynamoDbLedger, ensureLedgerTable } from "../functions/adapters/ledger/dynamodb-ledger.js";
import { DynamoDbTrustPolicyInvalidations } from "../functions/adapters/ledger/dynamodb-trust-policy-invalidations.js";
import { upgradeLocalLedger } from "./dev/upgrade-local-ledger.js";
import { localDynamoClient } from "./dev/local-dynamodb-client.js";
import { composeVendApp } from "../functions/vend/compose.js";
import { DynamoDbLocalTokenStore, ensureLocalTokensTable } from "../plugin-workers/local-tokens/dynamodb-store.js";
import { startLocalTokensWorker } from "../plugin-workers/local-tokens/serve.js";
import { startAwsStsWorker } from "../plugin-workers/aws-sts/serve.js";
import { loadAwsStsLambdaConfig } from "../plugin-workers/aws-sts/config.js";
import { ensureRevocationTable } from "../plugin-workers/aws-sts/dynamodb-revocation-store.js";
import { startGitHubWorker } from "../plugin-workers/github/serve.js";
import { startDynalite } from "./embedded-dynamodb.js";
import { loadOrCreateKeyFiles, publicKeyConfig } from "./publisher-key-files.js";
import type { VerifiedPluginDirectory } from "../functions/core/plugin-trust/verified-plugin-directory.js";
import { registrationToConfig } from "../functions/adapters/config/worker-trust-config.js";
import { TrustStore } from "../functions/core/plugin-trust/trust-store.js";
import { signedLocalRegistration } from "./sign-worker.js";
import { startInstalledWorkers } from "./dev/installed-workers.js";
import { devGitHubWorkerOptions } from "./dev/dev-github-app.js";
import type { DevGitHub } from "./dev/dev-github.js";
import type { Notifier } from "../functions/core/ports/notifier.js";
import { ConsoleNotifier } from "../functions/adapters/notify/console-notifier.js";
import { mountLeakResponse } from "./local-leak-response.js";
import { CALLER_SECRET_FILE, callerSecretsSigner, createCallerSecret, writeCallerSecrets } from "./dev/worker-caller-secret.js";
import type { TrustedKeyConfig } from "../functions/core/plugin-trust/trust-store.js";
import type { LeakSweeper } from "../functions/core/leak/leak-sweeper.js";
import type { AlertPoller } from "../functions/core/leak/alert-poller.js";

export const LEDGER_TABLE = "credvend-ledger";
export const LOCAL_TOKENS_TABLE = "credvend-local-tokens";
/** aws-sts' lock table (role locks and recorded sessions) when CREDVEND_AWS_REVOKE_SESSIONS=1. */
export const AWS_STS_LOCK_TABLE = "credvend-aws-sts-locks";
export const DEV_ISSUER_PATH = "/dev-oidc";
export const STATE_FILE = "dev-server.json";
/** The local stack's trust configuration, for `credvend plugin list --config`. */
export const WORKERS_FILE = "workers.json";
const LOCAL_TOKENS_SOURCE = fileURLToPath(new URL("../plugin-workers/local-tokens", import.meta.url));
const AWS_STS_SOURCE = fileURLToPath(new URL("../plugin-workers/aws-sts", import.meta.url));
const GITHUB_SOURCE = fileURLToPath(new URL("../plugin-workers/github", import.meta.url));

export interface LocalStackOptions {
  /** Where the data lives (`.credvend`); in memory when undefined. */
  readonly dataDir?: string;
  /** Port of the vend app on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  readonly policyYaml: string;
  readonly logger: Logger;
  /** Where the dev OIDC key lives; required when dataDir is undefined. */
  readonly keyDir?: string;
  /** Where alerts go (leaks, refused workers); default one JSON line each on stderr. */
  readonly notifier?: Notifier;
  /** GitHub for the webhooks (keys, REST); default $GITHUB_API_URL, else the dev stand-in. */
  readonly githubApiUrl?: string;
  /** How often the leak sweeper runs (as the AWS schedule does every minute). Default 60 s; 0: never. */
  readonly sweepIntervalMs?: number;
  /** How often the alert poller lists open alerts (contains leaks whose webhook was lost). Default 60 s; 0: never. */
  readonly pollIntervalMs?: number;
  /** Workers installed from registries (credvend.plugins.json); run and verified beside the built-in ones. */
  readonly pluginsFile?: string;
  /** Leeway on OIDC token times (default 60 s, as on AWS); tests of token expiry set 0. */
  readonly oidcClockToleranceSeconds?: number;
  /** The operator's publisher keys installed workers must be signed by (never read from the plugins file). */
  readonly trustedKeys?: readonly TrustedKeyConfig[];
  /** Run installed workers even where Node has no permission model (`--unsandboxed-plugins`). */
  readonly unsandboxedPlugins?: boolean;
}

export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
const DEFAULT_POLL_INTERVAL_MS = 60_000;

export interface LocalStack {
  /** Base URL of the vend app. */
  readonly url: string;
  readonly workerUrl: string;
  readonly dynamoEndpoint: string;
  /** The only access key id the embedded server admits. */
  readonly dynamoAccessKeyId: string;
  readonly issuer: DevIssuer;
  readonly policy: Policy;
  readonly ledger: DynamoDbLedger;
  /** The workers, verified (signed by the dev publisher key) before the stack reports ready. */
  readonly plugins: VerifiedPluginDirectory;
  /** The dev GitHub stand-in of the webhooks (undefined when a GitHub API URL was given). */
  readonly devGitHub: DevGitHub | undefined;
  /** The leak sweeper the timer runs (tests may run it by hand). */
  readonly sweeper: LeakSweeper;
  /** The alert poller its timer runs (tests may run it by hand). */
  readonly poller: AlertPoller;
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    // The ledger and the token tables answer only this start's access key id: an installed worker
    // that finds the port reads and writes nothing.
    const dynamoAccessKeyId = `LOCAL${randomBytes(16).toString("hex").toUpperCase()}`;
    const dynamo = await startDynalite({
      ...(options.dataDir ? { path: join(options.dataDir, "dynamodb") } : {}),
      accessKeyId: dynamoAccessKeyId,
    });
    closers.push(dynamo.close);
    const client = localDynamoClient(dynamo.endpoint, {}, dynamoAccessKeyId);
    closers.push(async () => client.destroy());
    if (options.dataDir) {
      const backup = await upgradeLocalLedger(client, LEDGER_TABLE, options.dataDir);
      if (backup) options.logger.log("info", "local ledger rebuilt with the current indexes", { backup });
    }
    await ensureLedgerTable(client, LEDGER_TABLE);
    await ensureLocalTokensTable(client, LOCAL_TOKENS_TABLE);

    // Each worker takes gRPC calls only with its own secret of this start, which only the core
    // sends: a secret one worker holds opens no other.
    const secrets = new Map<string, string>();
    const localTokensSecret = createCallerSecret();
    const worker = await startLocalTokensWorker({
      port: 0,
      store: new DynamoDbLocalTokenStore(client, LOCAL_TOKENS_TABLE),
      callerSecret: localTokensSecret,
    });
    closers.push(worker.close);
    secrets.set(worker.url, localTokensSecret);
    // Configured from the environment (CREDVEND_AWS_ROLE_ARN, GITHUB_APP_ID, ...); without it they
    // still describe and validate, and a vend answers 503 "not configured". aws-sts gets its lock
    // table in the embedded DynamoDB, as the infra gives it one on AWS.
    const awsStsConfig = loadAwsStsLambdaConfig({ ...process.env, CREDVEND_AWS_LOCK_TABLE: AWS_STS_LOCK_TABLE });
    if (awsStsConfig.revocation) await ensureRevocationTable(client, AWS_STS_LOCK_TABLE);
    const awsStsSecret = createCallerSecret();
    const awsSts = await startAwsStsWorker({ port: 0, config: awsStsConfig, clients: { dynamodb: client }, callerSecret: awsStsSecret });
    closers.push(awsSts.close);
    secrets.set(awsSts.url, awsStsSecret);
    const trustedKeys = [...(options.trustedKeys ?? [])];
    const installed = options.pluginsFile
      ? await startInstalledWorkers({
          pluginsFile: options.pluginsFile,
          runDir: join(options.dataDir ?? options.keyDir ?? ".credvend", "installed"),
          trust: TrustStore.fromConfig(trustedKeys, "trusted keys"),
          unsandboxed: options.unsandboxedPlugins === true,
          logger: options.logger,
        })
      : undefined;
    if (installed) closers.push(installed.close);
    for (const [url, secret] of installed?.secrets ?? []) secrets.set(url, secret);

    // The issuer URL contains the vend app's port: bind first, then build the app behind it.
    let handler: (request: Request) => Response | Promise<Response> = () => new Response("starting", { status: 503 });
    const server = await listen((request) => handler(request), options.port);
    closers.push(() => closeServer(server.server));
    const url = `http://127.0.0.1:${server.port}`;

    const keyDir = options.keyDir ?? join(options.dataDir ?? ".credvend", "dev-oidc");
    const issuer = await loadOrCreateDevIssuer({ dir: keyDir, issuerUrl: `${url}${DEV_ISSUER_PATH}` });
    // Workers are signed by a dev publisher key and verified as on AWS. They run from source in
    // this process; the code checked is the deterministic zip built from that source at start.
    const trustDir = options.dataDir ?? keyDir;
    // After the bind: the dev GitHub stand-in it may be wired to is served on the stack's port.
    const githubSecret = createCallerSecret();
    const github = await startGitHubWorker({
      port: 0,
      callerSecret: githubSecret,
      ...(await devGitHubWorkerOptions({ dataDir: trustDir, stackUrl: url, githubApiUrl: options.githubApiUrl, dynamodb: client })),
    });
    closers.push(github.close);
    secrets.set(github.url, githubSecret);
    const publisher = await loadOrCreateKeyFiles(join(trustDir, "dev-publisher"));
    const localTokens = await signedLocalRegistration({
      sourceDir: LOCAL_TOKENS_SOURCE,
      outRoot: join(trustDir, "workers"),
      key: publisher,
      url: worker.url,
    });
    const providerWorkers = await Promise.all(
      [
        { sourceDir: AWS_STS_SOURCE, url: awsSts.url },
        { sourceDir: GITHUB_SOURCE, url: github.url },
      ].map((w) => signedLocalRegistration({ ...w, outRoot: join(trustDir, "workers"), key: publisher })),
    );
    // dynalite has no TransactWriteItems: a vend's ledger writes stay separate, in their safe order.
    const ledger = new DynamoDbLedger({ client, tableName: LEDGER_TABLE, transactions: false });
    // Self-serve trust: the webhooks app marks pushes to .github/credvend/ where the vend app looks.
    const trustPolicyInvalidations = new DynamoDbTrustPolicyInvalidations({ client, tableName: LEDGER_TABLE });
    const workers = [localTokens, ...providerWorkers, ...(installed?.registrations ?? [])];
    trustedKeys.unshift(publicKeyConfig(publisher));
    const { app, policy, plugins } = composeVendApp({
      policy: loadPolicyYaml(options.policyYaml),
      ledger,
      trustPolicyInvalidations,
      workers,
      workerSigner: callerSecretsSigner(secrets),
      trustedKeys: TrustStore.fromConfig(trustedKeys, "trusted keys"),
      extraIssuers: [issuer.issuerUrl],
      ...(options.oidcClockToleranceSeconds === undefined ? {} : { oidcClockToleranceSeconds: options.oidcClockToleranceSeconds }),
      logger: options.logger,
      notifier: options.notifier ?? new ConsoleNotifier(),
    });
    app.route(DEV_ISSUER_PATH, issuer.routes());
    const { devGitHub, sweeper, poller } = await mountLeakResponse(app, {
      url,
      policy,
      ledger,
      plugins,
      trustPolicyInvalidations,
      dir: trustDir,
      logger: options.logger,
      ...(options.notifier ? { notifier: options.notifier } : {}),
      ...(options.githubApiUrl ? { githubApiUrl: options.githubApiUrl } : {}),
    });
    await plugins.verifyAll();
    writeCallerSecrets(join(trustDir, CALLER_SECRET_FILE), secrets);
    const registrations = workers.map(registrationToConfig);
    writeFileSync(
      join(trustDir, WORKERS_FILE),
      // callerSecretFile: relative to this file, for `credvend plugin list` (its Describe calls).
      `${JSON.stringify({ trustedKeys, workers: registrations, callerSecretFile: CALLER_SECRET_FILE }, null, 2)}\n`,
    );
    handler = app.fetch;
    closers.push(every(options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS, "sweep", () => sweeper.sweep(), options.logger));
    closers.push(every(options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, "alert poll", () => poller.poll(), options.logger));

    if (options.dataDir) {
      writeFileSync(
        join(options.dataDir, STATE_FILE),
        // dynamoEndpoint: `credvend audit --data-dir` reads the ledger through it while the stack
        // runs (the database files are locked by this process), signed with dynamoAccessKeyId.
        `${JSON.stringify({ url, issuer: issuer.issuerUrl, audience: policy.audience, workerUrl: worker.url, dynamoEndpoint: dynamo.endpoint, dynamoAccessKeyId }, null, 2)}\n`,
        { mode: 0o600 },
      );
      chmodSync(join(options.dataDir, STATE_FILE), 0o600); // an older file keeps its mode on overwrite
    }
    return {
      url,
      workerUrl: worker.url,
      dynamoEndpoint: dynamo.endpoint,
      dynamoAccessKeyId,
      issuer,
      policy,
      ledger,
      plugins,
      devGitHub,
      sweeper,
      poller,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Runs `run` every `interval` ms (never when 0), one run at a time; a failed run is logged and the
 *  next tick tries again. Returns the closer, which waits for a run in progress. */
function every(interval: number, what: string, run: () => Promise<unknown>, logger: Logger): () => Promise<void> {
  if (interval <= 0) return async () => undefined;
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running
      .then(run)
      .catch((error: unknown) => logger.log("error", `${what} failed`, { error: error instanceof Error ? error : undefined }));
  }, interval);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

function listen(fetch: (request: Request) => Response | Promise<Response>, port: number): Promise<{ server: ServerType; port: number }> {
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
