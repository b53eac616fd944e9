// Builds the credvend CDK app from a deployment config file, with cdk-nag's AwsSolutions checks.
import { App, Validations, type AppProps } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { loadDeploymentConfig, type DeploymentConfig } from "./config/load-config.js";
import { CredvendStack } from "./credvend-stack.js";
import { acknowledgeNagFindings } from "./nag-acknowledgements.js";

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

/** A fresh app from a config file (tests pass context, e.g. to skip bundling). */
export async function buildCredvendApp(configPath: string, props: AppProps = {}): Promise<CredvendApp> {
  const config = await loadDeploymentConfig(configPath);
  const app = new App(props);
  return { app, stack: addCredvendStack(app, config), config };
}
