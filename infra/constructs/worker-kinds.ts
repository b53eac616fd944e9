// What each kind of worker needs beyond its Lambda: its resources, environment and grants.
// Adding a worker of a known kind is a config entry; a new kind is one case here.
import { ArnPrincipal, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { DeploymentConfig } from "../config/load-config.js";
import { parseDuration } from "../../functions/core/policy/duration.js";
import { REVOCATION_TABLE_ACTIONS } from "../../plugin-workers/aws-sts/dynamodb-revocation-store.js";
import { AwsStsLockTable } from "./aws-sts-lock-table.js";
import type { GithubSecrets } from "./github-secrets.js";
import { GithubTokenVault, TOKEN_VAULT_TABLE_ACTIONS } from "./github-token-vault.js";
import { LocalTokensIntrospection } from "./local-tokens-introspection.js";
import { LocalTokensTable } from "./local-tokens-table.js";
import type { PluginWorker } from "./plugin-worker.js";
import { ASSUME_ACTIONS, VendedRole } from "./vended-role.js";

export interface WorkerKindContext {
  readonly config: DeploymentConfig;
  readonly githubSecrets: GithubSecrets;
}

export interface WorkerKindResources {
  readonly localTokensTable?: LocalTokensTable;
  /** local-tokens' /introspect, apart from the worker's gRPC URL. */
  readonly introspection?: LocalTokensIntrospection;
  readonly vendedRole?: VendedRole;
  readonly awsStsLockTable?: AwsStsLockTable;
  readonly tokenVault?: GithubTokenVault;
}

/** The DynamoDB calls of DynamoDbLocalTokenStore: insert (PutItem), lookups (GetItem), revoke (UpdateItem). */
export const LOCAL_TOKENS_TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"];

export function wireWorkerKind(worker: PluginWorker, context: WorkerKindContext): WorkerKindResources {
  switch (worker.worker.kind) {
    case "local-tokens":
      return wireLocalTokens(worker, context.config.logRetentionDays as RetentionDays);
    case "aws-sts":
      return wireAwsSts(worker, context.config);
    case "github":
      return wireGithub(worker, context);
    case "custom":
      // Invokers reach the worker's own routes; its SDK refuses them every gRPC call.
      for (const arn of worker.worker.invokers) worker.lambda.function.grantInvokeUrl(new ArnPrincipal(arn));
      return {};
  }
}

function wireLocalTokens(worker: PluginWorker, logRetention: RetentionDays): WorkerKindResources {
  const localTokensTable = new LocalTokensTable(worker, "Tokens");
  worker.lambda.addEnvironment("LOCAL_TOKENS_TABLE", localTokensTable.table.tableName);
  worker.lambda.role.addToPrincipalPolicy(
    new PolicyStatement({ actions: LOCAL_TOKENS_TABLE_ACTIONS, resources: [localTokensTable.table.tableArn] }),
  );
  const introspection = new LocalTokensIntrospection(worker, "Introspection", { worker, table: localTokensTable.table, logRetention });
  return { localTokensTable, introspection };
}

function wireAwsSts(worker: PluginWorker, config: DeploymentConfig): WorkerKindResources {
  const settings = config.awsSts;
  const vendedRole = new VendedRole(worker, "VendedRole", {
    workerRole: worker.lambda.role,
    managedPolicyArns: settings.managedPolicyArns,
    // The worker may write the role's inline policy (a Deny per revoked session): the boundary
    // keeps a compromised worker from turning that into an Allow.
    permissionsBoundaryArn: settings.sessionRevocation ? (settings.permissionsBoundaryArn ?? settings.managedPolicyArns[0]) : undefined,
  });
  const named = Object.values(settings.namedRoles);
  worker.lambda.addEnvironment("CREDVEND_AWS_ROLE_ARN", vendedRole.role.roleArn);
  worker.lambda.addEnvironment("CREDVEND_AWS_MAX_SESSION_SECONDS", String(parseDuration(settings.maxSessionDuration)));
  if (named.length > 0) worker.lambda.addEnvironment("CREDVEND_AWS_ROLES", JSON.stringify(settings.namedRoles));
  worker.lambda.role.addToPrincipalPolicy(
    new PolicyStatement({ actions: [...ASSUME_ACTIONS], resources: [vendedRole.role.roleArn, ...named] }),
  );
  if (!settings.sessionRevocation) return { vendedRole };
  // Early revocation of one session (plugin-workers/aws-sts/revoke.ts): read, extend and write
  // back the Deny inline policy on the vended role, and on no other role; under the role's lock,
  // in the worker's own table, the only table it may touch.
  const awsStsLockTable = new AwsStsLockTable(worker, "LockTable");
  worker.lambda.addEnvironment("CREDVEND_AWS_REVOKE_SESSIONS", "1");
  worker.lambda.addEnvironment("CREDVEND_AWS_LOCK_TABLE", awsStsLockTable.table.tableName);
  worker.lambda.role.addToPrincipalPolicy(
    new PolicyStatement({ actions: ["iam:GetRolePolicy", "iam:PutRolePolicy"], resources: [vendedRole.role.roleArn] }),
  );
  worker.lambda.role.addToPrincipalPolicy(
    new PolicyStatement({ actions: [...REVOCATION_TABLE_ACTIONS], resources: [awsStsLockTable.table.tableArn] }),
  );
  return { vendedRole, awsStsLockTable };
}

function wireGithub(worker: PluginWorker, { config, githubSecrets }: WorkerKindContext): WorkerKindResources {
  const role = worker.lambda.role;
  worker.lambda.addEnvironment("GITHUB_APP_ID", String(config.github.appId));
  worker.lambda.addEnvironment("GITHUB_APP_PRIVATE_KEY_SECRET_ARN", githubSecrets.appPrivateKey.secretArn);
  if (config.github.apiUrl) worker.lambda.addEnvironment("GITHUB_API_URL", config.github.apiUrl);
  role.addToPrincipalPolicy(
    new PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: [githubSecrets.appPrivateKey.secretArn] }),
  );

  const tokenVault = new GithubTokenVault(worker, "TokenVault", { workerRole: role });
  worker.lambda.addEnvironment("GITHUB_TOKEN_VAULT_TABLE", tokenVault.table.tableName);
  worker.lambda.addEnvironment("GITHUB_TOKEN_VAULT_KMS_KEY_ID", tokenVault.key.keyArn);
  role.addToPrincipalPolicy(new PolicyStatement({ actions: TOKEN_VAULT_TABLE_ACTIONS, resources: [tokenVault.table.tableArn] }));
  return { tokenVault };
}
