// Lambda entry (Function URL). The only place the worker's AWS client is built. Configuration
// errors surface at cold start, so a misdeployed worker fails its first invocation loudly.
import { STSClient } from "@aws-sdk/client-sts";
import { loadAwsStsConfig } from "./config.js";
import { serveAwsSts } from "./worker.js";

const config = loadAwsStsConfig();
// Two attempts: the SDK's own retry covers a blip, and the vend API has a deadline to keep.
const sts = new STSClient({ maxAttempts: 2 });

export const handler = serveAwsSts({ config, sts }).handler;
