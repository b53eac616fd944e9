// The github worker's wiring on the local stack (`npm start`): with no App of the developer's own
// (GITHUB_APP_ID) and no external GitHub (GITHUB_API_URL), a dev App installed on every owner of
// the dev GitHub stand-in, its private key under the data dir (0600), so `github:` scopes vend
// out of the box. Either way the worker keeps a token vault as on AWS — a table in the embedded
// DynamoDB, sealed with AES-256-GCM under a local key (KMS's role there) — so a grant under
// GitHub's fixed hour is honoured by early revocation at the granted time (the leak sweeper's
// EarlyExpiry calls the worker's Revoke). Dev only: nothing deployed knows this App.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DEFAULT_GITHUB_API_URL, loadGitHubAppCredentials } from "../../plugin-workers/github/config.js";
import type { GitHubAppCredentials } from "../../plugin-workers/github/github-app.js";
import type { GitHubRevokeOptions } from "../../plugin-workers/github/revoke.js";
import { DynamoDbVaultStore } from "../../plugin-workers/github/token-vault-aws.js";
import { AesGcmSealer, TokenVault } from "../../plugin-workers/github/token-vault.js";

/** Where the stand-in is mounted on the local stack's port, and where its files live under the data dir. */
export const DEV_GITHUB_PATH = "/dev-github";
export const DEV_GITHUB_DIR = "dev-github";
/** The dev App's id (GitHub's are numeric); the stand-in accepts JWTs issued by it alone. */
export const DEV_APP_ID = "424242";
export const DEV_APP_KEY_FILE = "app-private-key.pem";
const VAULT_KEY_FILE = "token-vault.key";
export const GITHUB_TOKEN_VAULT_TABLE = "credvend-github-token-vault";

/** The dev App's private key (PKCS#1 PEM, as GitHub hands App keys out), created once. */
export async function loadOrCreateDevAppKey(dir: string): Promise<string> {
  return loadOrCreateSecretFile(join(dir, DEV_APP_KEY_FILE), () =>
    generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
  );
}

/**
 * What `startGitHubWorker` is given on the local stack: the dev App when the stand-in is the
 * GitHub in use and the developer configured no App (else the environment's, as before), and the
 * token vault on the embedded store.
 */
export async function devGitHubWorkerOptions(options: {
  /** The local stack's data dir (the stand-in's files are under dev-github/). */
  readonly dataDir: string;
  /** The local stack's URL (the stand-in is served under /dev-github). */
  readonly stackUrl: string;
  /** A GitHub named by the caller, else $GITHUB_API_URL: then no dev App. */
  readonly githubApiUrl: string | undefined;
  readonly dynamodb: DynamoDBClient;
}): Promise<{ credentials?: GitHubAppCredentials; revocation: GitHubRevokeOptions }> {
  const dir = join(options.dataDir, DEV_GITHUB_DIR);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const external = options.githubApiUrl ?? process.env.GITHUB_API_URL;
  const credentials =
    loadGitHubAppCredentials() ??
    (external === undefined
      ? { appId: DEV_APP_ID, privateKey: await loadOrCreateDevAppKey(dir), apiUrl: `${options.stackUrl}${DEV_GITHUB_PATH}` }
      : undefined);
  const vaultKey = await loadOrCreateSecretFile(join(dir, VAULT_KEY_FILE), () => randomBytes(32).toString("hex"));
  await ensureVaultTable(options.dynamodb);
  const vault = new TokenVault(
    new AesGcmSealer(Buffer.from(vaultKey, "hex")),
    new DynamoDbVaultStore(options.dynamodb, GITHUB_TOKEN_VAULT_TABLE),
  );
  return {
    ...(credentials ? { credentials } : {}),
    revocation: { vault, apiUrl: credentials?.apiUrl ?? external ?? DEFAULT_GITHUB_API_URL },
  };
}

/** The vault's table as infra/constructs/github-token-vault.ts has it: key `credentialId`. */
async function ensureVaultTable(client: DynamoDBClient): Promise<void> {
  const status = () =>
    client
      .send(new DescribeTableCommand({ TableName: GITHUB_TOKEN_VAULT_TABLE }))
      .then((out) => out.Table?.TableStatus)
      .catch((error: Error) => {
        if (error.name === "ResourceNotFoundException") return undefined;
        throw error;
      });
  if ((await status()) === undefined) {
    await client
      .send(
        new CreateTableCommand({
          TableName: GITHUB_TOKEN_VAULT_TABLE,
          AttributeDefinitions: [{ AttributeName: "credentialId", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "credentialId", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      )
      .catch((error: Error) => {
        if (error.name !== "ResourceInUseException") throw error;
      });
  }
  const deadline = Date.now() + 30_000;
  for (let delay = 25; (await status()) !== "ACTIVE"; delay = Math.min(delay * 2, 500)) {
    if (Date.now() > deadline) throw new Error(`table ${GITHUB_TOKEN_VAULT_TABLE} did not become ACTIVE in time`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** A secret kept in one 0600 file, created once (two starts at once agree on the first written). */
export async function loadOrCreateSecretFile(path: string, create: () => string): Promise<string> {
  if (existsSync(path)) return (await readFile(path, "utf8")).trim();
  await writeFile(path, `${create()}\n`, { mode: 0o600, flag: "wx" }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
  await chmod(path, 0o600);
  return (await readFile(path, "utf8")).trim();
}
