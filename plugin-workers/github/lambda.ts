// Lambda entry (Function URL). The App's private key comes from Secrets Manager
// (GITHUB_APP_PRIVATE_KEY_SECRET_ARN), read once at cold start; never from a plain variable on AWS.
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GitHubApp } from "./github-app.js";
import { GitHubConfigError, loadGitHubAppCredentials } from "./config.js";
import { serveGitHubWorker } from "./worker.js";

const secretArn = process.env.GITHUB_APP_PRIVATE_KEY_SECRET_ARN;
if (!secretArn) throw new GitHubConfigError("GITHUB_APP_PRIVATE_KEY_SECRET_ARN is not set");
const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
if (!secret.SecretString) throw new GitHubConfigError("GITHUB_APP_PRIVATE_KEY_SECRET_ARN: the secret has no string value");
const credentials = loadGitHubAppCredentials(process.env, secret.SecretString);
if (!credentials) throw new GitHubConfigError("GITHUB_APP_ID is not set");

export const handler = serveGitHubWorker({ app: new GitHubApp(credentials) }).handler;
