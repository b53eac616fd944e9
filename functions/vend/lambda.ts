// The vend function's Lambda entry: the environment read into its configuration, then composed
// (compose.ts). Configuration errors surface at cold start, so a misdeployed function fails its
// first invocation loudly.
import { handle } from "hono/aws-lambda";
import { loadFunctionConfig } from "../adapters/config/function-config.js";
import { composeVendFunction } from "./compose.js";

export const handler = handle(composeVendFunction(loadFunctionConfig()));
