// Lambda entry (Function URL). The only place the worker's AWS client is built. Configuration
// errors surface at cold start, so a misdeployed worker fails its first invocation loudly.
import { IAMClient } from "@aws-sdk/client-iam";
import { STSClient } from "@aws-sdk/client-sts";
import { STS_REQUEST_TIMEOUTS, loadAwsStsConfig } from "./config.js";
import { serveAwsSts } from "./worker.js";

const config = loadAwsStsConfig();
// Two attempts of at most 1.5 s each: the SDK's own retry covers a blip, and the vend API's
// deadline for the whole Vend (5 s by default) is kept even when STS hangs.
const sts = new STSClient({ maxAttempts: 2, requestHandler: STS_REQUEST_TIMEOUTS });

// Early revocation of single sessions is opt-in: it needs iam:GetRolePolicy/PutRolePolicy on the roles.
const iam = process.env.CREDVEND_AWS_REVOKE_SESSIONS === "1" ? new IAMClient({ maxAttempts: 3 }) : undefined;

export const handler = serveAwsSts({ config, sts, ...(iam ? { iam } : {}) }).handler;
