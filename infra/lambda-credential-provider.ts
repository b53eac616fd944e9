// What the Lambda bundles use in place of @aws-sdk/credential-provider-node (infra/bundles.ts
// aliases it here). On Lambda the function's role credentials are always in the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the default chain's SSO,
// profile, process, login and web-identity providers, and the STS and SSO clients they bring
// (~90 KiB of each bundle), are never reached there. Everything outside a bundle (the CLI, the
// local stack, tests) keeps the SDK's full chain.
import { fromEnv } from "@aws-sdk/credential-provider-env";
import type { AwsCredentialIdentityProvider } from "@smithy/types";

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}): AwsCredentialIdentityProvider => fromEnv(init);
