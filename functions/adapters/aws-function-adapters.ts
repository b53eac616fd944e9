// The adapters the functions that call workers build the same way on AWS: the DynamoDB ledger,
// workers reached through their Function URLs (AWS_IAM auth: every call SigV4-signed with the
// function's role, each signed worker's code checked against Lambda's CodeSha256), and the
// alerting of aws-alerting.ts; the ledger and the worker calls are metered.
// The SDK clients are built with the SDK's defaults unless the caller passes its own (tests). Lambda
// is called without its SDK client (lambda-configuration-api.ts), with the credentials the
// DynamoDB client resolves (on Lambda: the function's role, from the environment).
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { CredentialLedger } from "../core/ports/credential-ledger.js";
import type { Logger } from "../core/ports/logger.js";
import type { DeployedCode } from "../core/plugin-trust/verified-plugin-directory.js";
import type { WorkerRegistration } from "./config/function-config.js";
import { DynamoDbLedger } from "./ledger/dynamodb-ledger.js";
import { DynamoDbTrustPolicyInvalidations } from "./ledger/dynamodb-trust-policy-invalidations.js";
import type { TrustPolicyInvalidations } from "../core/ports/trust-policy-invalidations.js";
import { type AlertingClients, type AlertingSettings, awsAlerting } from "./aws-alerting.js";
import type { Metrics } from "./metrics/emf-metrics.js";
import { meteredLedger } from "./metrics/metered-ledger.js";
import type { Notifier } from "../core/ports/notifier.js";
import { LambdaCodeHash } from "./plugins/lambda-code-hash.js";
import { LambdaConfigurationApi } from "./plugins/lambda-configuration-api.js";
import { sigV4Signer } from "./plugins/sigv4-signer.js";
import type { WorkerRequestSigner } from "./plugins/signed-worker-requests.js";
import { AWS_CLIENT_DEFAULTS, withoutSdkRequestLogging } from "../../plugin-workers/sdk/aws-client-defaults.js";

export interface AwsClients extends AlertingClients {
  readonly dynamodb?: DynamoDBClient;
}

export interface AwsFunctionSettings extends AlertingSettings {
  readonly ledgerTable: string;
  readonly awsRegion: string;
  /** Lambda's API elsewhere than its regional endpoint (AWS_ENDPOINT_URL_LAMBDA: moto in tests). */
  readonly lambdaEndpoint?: string;
}

export interface AwsFunctionAdapters {
  readonly ledger: CredentialLedger;
  readonly logger: Logger;
  readonly notifier: Notifier;
  readonly deployedCode: (worker: WorkerRegistration) => DeployedCode | undefined;
  readonly workerSigner: WorkerRequestSigner;
  /** The functions' metrics (worker calls are metered by the plugin directory). */
  readonly metrics: Metrics;
  /** Self-serve trust's push markers, in the ledger table (webhooks write, vend reads). */
  readonly trustPolicyInvalidations: TrustPolicyInvalidations;
}

export function awsFunctionAdapters(service: string, settings: AwsFunctionSettings, clients: AwsClients = {}): AwsFunctionAdapters {
  const alerting = awsAlerting(service, settings, clients);
  const dynamodb = clients.dynamodb ?? withoutSdkRequestLogging(new DynamoDBClient({ ...AWS_CLIENT_DEFAULTS }));
  const credentials = () => dynamodb.config.credentials();
  const lambda = new LambdaConfigurationApi({
    region: settings.awsRegion,
    credentials,
    ...(settings.lambdaEndpoint ? { endpoint: settings.lambdaEndpoint } : {}),
  });
  const ledger = new DynamoDbLedger({ client: dynamodb, tableName: settings.ledgerTable, transactions: true });
  return {
    ...alerting,
    // AWS DynamoDB has transactions: a vend's record, lookups and event are one write.
    ledger: meteredLedger(ledger, alerting.metrics),
    deployedCode: (worker) => (worker.functionName ? new LambdaCodeHash(lambda, worker.functionName) : undefined),
    trustPolicyInvalidations: new DynamoDbTrustPolicyInvalidations({ client: dynamodb, tableName: settings.ledgerTable }),
    workerSigner: sigV4Signer({ region: settings.awsRegion, credentials }),
  };
}
