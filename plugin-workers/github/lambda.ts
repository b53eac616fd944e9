// Lambda entry (Function URL). The App's private key comes from Secrets Manager
// (GITHUB_APP_PRIVATE_KEY_SECRET_ARN), read once at cold start; never from a plain variable on AWS.
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KMSClient } from "@aws-sdk/client-kms";
import { GitHubApp } from "./github-app.js";
import { TokenVault } from "./token-vault.js";
import { DynamoDbVaultStore, KmsSealer } from "./token-vault-aws.js";
import { GitHubConfigError, loadGitHubAppCredentials } from "./config.js";
import { serveGitHubWorker } from "./worker.js";

const secretArn = process.env.GITHUB_APP_PRIVATE_KEY_SECRET_ARN;
if (!secretArn) throw new GitHubConfigError("GITHUB_APP_PRIVATE_KEY_SECRET_ARN is not set");
const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
if (!secret.SecretString) throw new GitHubConfigError("GITHUB_APP_PRIVATE_KEY_SECRET_ARN: the secret has no string value");
const credentials = loadGitHubAppCredentials(process.env, secret.SecretString);
if (!credentials) throw new GitHubConfigError("GITHUB_APP_ID is not set");

// Revocation needs the token vault: its table and a KMS key only this worker may decrypt with.
const vaultTable = process.env.GITHUB_TOKEN_VAULT_TABLE;
const vaultKey = process.env.GITHUB_TOKEN_VAULT_KMS_KEY_ID;
const revocation =
  vaultTable && vaultKey
    ? { vault: new TokenVault(new KmsSealer(new KMSClient({}), vaultKey), new DynamoDbVaultStore(new DynamoDBClient({}), vaultTable)), apiUrl: credentials.apiUrl }
    : undefined;

export const handler = serveGitHubWorker({ app: new GitHubApp(credentials), ...(revocation ? { revocation } : {}) }).handler;
