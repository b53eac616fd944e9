// The github worker on AWS, built from its configuration (lambda.ts reads it). The App's private
// key comes from Secrets Manager: read at cold start (a secret that cannot be read, or a key with
// no valid App id, fails it), then again every SECRET_TTL_MS, so a key put or rotated after deploy
// is used without recycling the function. Until the operator puts the PEM there (the secret starts
// as a random placeholder), the worker runs unconfigured: Describe and validation answer, a vend
// is a 503 "not configured", and the secret is read again on the next vend (never cached).
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KMSClient } from "@aws-sdk/client-kms";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Refreshing, SECRET_TTL_MS } from "../sdk/refreshing.js";
import type { Clock } from "../sdk/clock.js";
import type { ServedPlugin } from "../sdk/serve-plugin.js";
import { appCredentials, type GitHubLambdaConfig } from "./config.js";
import { GitHubApp } from "./github-app.js";
import { TokenVault } from "./token-vault.js";
import { DynamoDbVaultStore, KmsSealer } from "./token-vault-aws.js";
import { serveGitHubWorker } from "./worker.js";
import { AWS_CLIENT_DEFAULTS, withoutSdkRequestLogging } from "../sdk/aws-client-defaults.js";

export interface GitHubWorkerClients {
  readonly secretsManager?: SecretsManagerClient;
  readonly kms?: KMSClient;
  readonly dynamodb?: DynamoDBClient;
  /** When the key secret is due to be read again (tests move it). */
  readonly clock?: Clock;
}

/** The App built from one reading of the key secret; the same PEM keeps the same App (and its caches). */
interface KeyedApp {
  readonly pem?: string;
  readonly app?: GitHubApp;
}

export async function composeGitHubWorker(config: GitHubLambdaConfig, clients: GitHubWorkerClients = {}): Promise<ServedPlugin> {
  const secrets = clients.secretsManager ?? withoutSdkRequestLogging(new SecretsManagerClient({ ...AWS_CLIENT_DEFAULTS }));
  const readKey = async (previous?: KeyedApp): Promise<KeyedApp> => {
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: config.privateKeySecretArn }));
    const pem = secret.SecretString?.includes("-----BEGIN") ? secret.SecretString : undefined;
    if (previous && previous.pem === pem) return previous;
    const credentials = pem ? appCredentials(config.app, pem) : undefined;
    if (!credentials) console.warn("credvend github worker: the App's private key secret holds no PEM yet; vends answer 503 until it does");
    else if (previous) console.warn("credvend github worker: the App's private key changed in Secrets Manager; vends use the new key");
    return credentials ? { pem, app: new GitHubApp(credentials) } : {};
  };
  const key = await Refreshing.start(readKey, {
    ttlMs: (keyed) => (keyed.app ? SECRET_TTL_MS : 0),
    ...(clients.clock ? { clock: clients.clock } : {}),
    onRefreshError: (error) =>
      console.warn(
        `credvend github worker: the App's private key could not be read again (${error instanceof Error ? error.message : "error"}); keeping the previous one`,
      ),
  });

  const { vault } = config;
  const revocation = vault
    ? {
        vault: new TokenVault(
          new KmsSealer(clients.kms ?? withoutSdkRequestLogging(new KMSClient({ ...AWS_CLIENT_DEFAULTS })), vault.kmsKeyId),
          new DynamoDbVaultStore(clients.dynamodb ?? withoutSdkRequestLogging(new DynamoDBClient({ ...AWS_CLIENT_DEFAULTS })), vault.table),
        ),
        apiUrl: config.app.apiUrl,
      }
    : undefined;
  return serveGitHubWorker(
    { app: async () => (await key.current()).app, ...(revocation ? { revocation } : {}) },
    { allowedCallers: config.allowedCallers },
  );
}
