// `cdk synth|deploy -c config=<file>` runs this (cdk.json). A bad config prints its problems
// and exits 1 before anything is synthesized.
import { App } from "aws-cdk-lib";
import { addCredvendStack } from "./app.js";
import { DeploymentConfigError, loadDeploymentConfig } from "./config/load-config.js";

const app = new App();
const configPath = app.node.tryGetContext("config") as unknown;
if (typeof configPath !== "string" || configPath === "") {
  console.error("credvend: name the deployment config: npx cdk deploy -c config=infra/credvend.config.yaml");
  process.exit(1);
}
try {
  addCredvendStack(app, await loadDeploymentConfig(configPath));
} catch (error) {
  if (!(error instanceof DeploymentConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
app.synth();
