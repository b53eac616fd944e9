// Lambda entry (Function URL): the environment read into the worker's configuration, then composed
// (compose.ts). Configuration errors surface at cold start, so a misdeployed worker fails its
// first invocation loudly.
import { composeAwsStsWorker } from "./compose.js";
import { loadAwsStsLambdaConfig } from "./config.js";

export const handler = composeAwsStsWorker(loadAwsStsLambdaConfig()).handler;
