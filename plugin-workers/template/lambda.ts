// Lambda entry (Function URL, AWS_IAM auth): what `npm run build:workers` bundles into code.zip.
import { servePlugin } from "../sdk/index.js";
import { createWorker } from "./worker.js";

export const handler = servePlugin(createWorker()).handler;
