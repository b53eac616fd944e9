// The github worker on AWS, built from its configuration (lambda.ts reads it). The App's private
// key comes from Secrets Manager, read once at cold start. Until the operator puts the PEM there
// (the secret starts as a random placeholder), the worker runs unconfigured: Describe and
// validation answer, and a vend is a 503 "not configured".
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KMSClient } from "@aws-sdk/client-kms";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { ServedPlugin } from "../sdk/index.js";
import { appCredentials, type GitHubLambdaConfig } from "./config.js";
import { GitHubApp } from "./github-app.js";
import { TokenVault } from "./token-vault.js";
import { DynamoDbVaultStore, KmsSealer } from "./token-vault-aws.js";
import { serveGitHubWorker } from "./worker.js";

export interface GitHubWorkerClients {
  readonly secretsManager?: SecretsManagerClient;
  readonly kms?: KMSClient;
  readonly dynamodb?: DynamoDBClient;
}

export async function composeGitHubWorker(config: GitHubLambdaConfig, clients: GitHubWorkerClients = {}): Promise<ServedPlugin> {
  const secrets = clients.secretsManager ?? new SecretsManagerClient({});
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: config.privateKeySecretArn }));
  const pem = secret.SecretString?.includes("-----BEGIN") ? secret.SecretString : undefined;
  const credentials = pem ? appCredentials(config.app, pem) : undefined;
  if (!credentials) console.warn("credvend github worker: the App's private key secret holds no PEM yet; vends answer 503 until it does");

  const { vault } = config;
  const revocation = vault
    ? {
        vault: new TokenVault(new KmsSealer(clients.kms ?? new KMSClient({}), vault.kmsKeyId), new DynamoDbVaultStore(clients.dynamodb ?? new DynamoDBClient({}), vault.table)),
        apiUrl: config.app.apiUrl,
      }
    : undefined;
  return serveGitHubWorker(
    { ...(credentials ? { app: new GitHubApp(credentials) } : {}), ...(revocation ? { revocation } : {}) },
    { allowedCallers: config.allowedCallers },
  );
}
