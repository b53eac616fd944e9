// Lambda entry (Function URL, AWS_IAM auth): what `npm run build:workers` bundles into code.zip.
// Only the roles in CREDVEND_ALLOWED_CALLERS (set by the deployment: the core's) may call it.
import { loadAllowedCallers } from "../sdk/allowed-callers.js";
import { servePlugin } from "../sdk/serve-plugin.js";
import { createWorker } from "./worker.js";

export const handler = servePlugin(createWorker(), { allowedCallers: loadAllowedCallers() }).handler;
