// The vend function's Lambda entry: the environment read into its configuration, then composed
// (compose.ts). Configuration errors surface at cold start, so a misdeployed function fails its
// first invocation loudly.
import { handle } from "hono/aws-lambda";
import { loadFunctionConfig } from "../adapters/config/function-config.js";
import { composeVendFunction } from "./compose.js";

const { app, warmUp } = composeVendFunction(loadFunctionConfig());
// Part of Lambda's init, before the first request: the JWKS fetch and the workers' verification
// (GetFunctionConfiguration, Describe) side by side, each bounded by its own timeout; none is fatal.
await warmUp();

export const handler = handle(app);
