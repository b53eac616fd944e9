// Lambda entry (Function URL). The App's private key comes from Secrets Manager
// (GITHUB_APP_PRIVATE_KEY_SECRET_ARN), read once at cold start; never from a plain variable on AWS.
// Until the operator puts the PEM there (the secret starts as a random placeholder), the worker
// runs unconfigured: Describe and validation answer, and a vend is a 503 "not configured".
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KMSClient } from "@aws-sdk/client-kms";
import { GitHubApp } from "./github-app.js";
import { TokenVault } from "./token-vault.js";
import { DynamoDbVaultStore, KmsSealer } from "./token-vault-aws.js";
import { DEFAULT_GITHUB_API_URL, GitHubConfigError, loadGitHubAppCredentials } from "./config.js";
import { serveGitHubWorker } from "./worker.js";

const secretArn = process.env.GITHUB_APP_PRIVATE_KEY_SECRET_ARN;
if (!secretArn) throw new GitHubConfigError("GITHUB_APP_PRIVATE_KEY_SECRET_ARN is not set");
const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
const pem = secret.SecretString?.includes("-----BEGIN") ? secret.SecretString : undefined;
const credentials = pem ? loadGitHubAppCredentials(process.env, pem) : undefined;
if (!credentials) console.warn("credvend github worker: the App's private key secret holds no PEM yet; vends answer 503 until it does");

// Revocation needs the token vault: its table and a KMS key only this worker may decrypt with.
const vaultTable = process.env.GITHUB_TOKEN_VAULT_TABLE;
const vaultKey = process.env.GITHUB_TOKEN_VAULT_KMS_KEY_ID;
const apiUrl = credentials?.apiUrl ?? (process.env.GITHUB_API_URL?.trim() || DEFAULT_GITHUB_API_URL);
const revocation =
  vaultTable && vaultKey
    ? { vault: new TokenVault(new KmsSealer(new KMSClient({}), vaultKey), new DynamoDbVaultStore(new DynamoDBClient({}), vaultTable)), apiUrl }
    : undefined;

export const handler = serveGitHubWorker({ ...(credentials ? { app: new GitHubApp(credentials) } : {}), ...(revocation ? { revocation } : {}) }).handler;
