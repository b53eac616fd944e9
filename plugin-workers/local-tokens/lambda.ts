// Lambda entry (Function URL): the environment read into the worker's configuration, then composed.
import { composeLocalTokensWorker } from "./compose.js";
import { loadLocalTokensConfig } from "./config.js";

export const handler = composeLocalTokensWorker(loadLocalTokensConfig()).handler;
