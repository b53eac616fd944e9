// Builds the credvend CDK app from a deployment config file, with cdk-nag's AwsSolutions checks.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, Validations, type AppProps } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { loadDeploymentConfig, type DeploymentConfig } from "./config/load-config.js";
import { CredvendStack } from "./credvend-stack.js";
import { acknowledgeNagFindings } from "./nag-acknowledgements.js";
import { REPO_ROOT } from "./paths.js";

export interface CredvendApp {
  readonly app: App;
  readonly stack: CredvendStack;
  readonly config: DeploymentConfig;
}

/** Adds the stack for `config` to `app`, and cdk-nag: any unacknowledged finding fails synth. */
export function addCredvendStack(app: App, config: DeploymentConfig): CredvendStack {
  const stack = new CredvendStack(app, `credvend-${config.stage}`, {
    config,
    description: `credvend ${config.stage}: credential broker for CI (vend, leak response, plugin workers)`,
    env: {
      account: config.env.account ?? process.env.CDK_DEFAULT_ACCOUNT,
      region: config.env.region ?? process.env.CDK_DEFAULT_REGION,
    },
    tags: { app: "credvend", stage: config.stage },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  acknowledgeNagFindings(stack);
  return stack;
}

/** cdk.json's context (the feature flags `cdk synth` applies), so an app built here synthesizes the same template. */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(REPO_ROOT, "cdk.json"), "utf8")) as { context?: Record<string, unknown> }).context ?? {};
}

/** A fresh app from a config file, with cdk.json's feature flags (tests pass context, e.g. to skip bundling). */
export async function buildCredvendApp(configPath: string, props: AppProps = {}): Promise<CredvendApp> {
  const config = await loadDeploymentConfig(configPath);
  const app = new App({ ...props, context: { ...cdkJsonContext(), ...props.context } });
  return { app, stack: addCredvendStack(app, config), config };
}
