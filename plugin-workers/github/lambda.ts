// Lambda entry (Function URL): the environment read into the worker's configuration, then composed
// (compose.ts: the App's key from Secrets Manager, never from a plain variable on AWS).
import { composeGitHubWorker } from "./compose.js";
import { loadGitHubLambdaConfig } from "./config.js";

export const handler = (await composeGitHubWorker(loadGitHubLambdaConfig())).handler;
