// Lambda entry (Function URL). The only place the worker's AWS client is built. Configuration
// errors surface at cold start, so a misdeployed worker fails its first invocation loudly.
import { IAMClient } from "@aws-sdk/client-iam";
import { STSClient } from "@aws-sdk/client-sts";
import { loadAwsStsConfig } from "./config.js";
import { serveAwsSts } from "./worker.js";

const config = loadAwsStsConfig();
// Two attempts: the SDK's own retry covers a blip, and the vend API has a deadline to keep.
const sts = new STSClient({ maxAttempts: 2 });

// Early revocation of single sessions is opt-in: it needs iam:GetRolePolicy/PutRolePolicy on the roles.
const iam = process.env.CREDVEND_AWS_REVOKE_SESSIONS === "1" ? new IAMClient({ maxAttempts: 3 }) : undefined;

export const handler = serveAwsSts({ config, sts, ...(iam ? { iam } : {}) }).handler;
