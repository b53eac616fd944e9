// Lambda entry (Function URL): the environment read into the configuration, then composed. The
// same code runs as the worker and, with LOCAL_TOKENS_MODE=introspection, as the introspection
// function.
import { composeLocalTokensLambda } from "./compose.js";
import { loadLocalTokensConfig } from "./config.js";

export const handler = composeLocalTokensLambda(loadLocalTokensConfig());
