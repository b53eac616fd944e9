// A fetch that goes through a plugin's Lambda handler the way a Function URL would: the request
// becomes a payload-2.0 event with a base64 body, the handler's answer becomes a Response. The
// signed caller is the vend function's session unless a test names another (null: none at all).
import type { PluginLambdaHandler } from "../../plugin-workers/sdk/index.js";

// hono/aws-lambda exports the union only; the Function URL (payload 2.0) member is picked out here.
type FunctionUrlEvent = Extract<Parameters<PluginLambdaHandler>[0], { rawPath: string; routeKey: string }>;

/** The vend function's execution role, and the session a Function URL names when that function calls. */
export const VEND_ROLE_ARN = "arn:aws:iam::123456789012:role/vend";
export const VEND_SESSION_ARN = "arn:aws:sts::123456789012:assumed-role/vend/vend";

export async function functionUrlEvent(request: Request, caller: string | null = VEND_SESSION_ARN): Promise<FunctionUrlEvent> {
  const url = new URL(request.url);
  const body = Buffer.from(await request.arrayBuffer());
  const session = caller?.split(":").at(-1)?.split("/").at(-1) ?? "";
  const event: FunctionUrlEvent = {
    version: "2.0",
    routeKey: "$default",
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers: { ...Object.fromEntries(request.headers), host: "abc.lambda-url.eu-west-1.on.aws" },
    body: body.toString("base64"),
    isBase64Encoded: true,
    requestContext: {
      accountId: "123456789012",
      apiId: "abc",
      authentication: null,
      // Function URLs with AWS_IAM auth describe the signed caller here.
      authorizer: {
        iam: {
          accessKey: "AKIAEXAMPLE",
          accountId: caller?.split(":")[4] ?? "",
          callerId: `AROAEXAMPLE:${session}`,
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: caller ?? "",
          userId: `AROAEXAMPLE:${session}`,
        },
      },
      domainName: "abc.lambda-url.eu-west-1.on.aws",
      domainPrefix: "abc",
      requestId: "req-1",
      routeKey: "$default",
      stage: "$default",
      time: "01/Jan/2030:00:00:00 +0000",
      timeEpoch: 1893456000000,
      http: { method: request.method, path: url.pathname, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
    },
  };
  // A Function URL without AWS_IAM auth sends no authorizer at all.
  if (caller === null) delete (event.requestContext as { authorizer?: unknown }).authorizer;
  return event;
}

export function viaLambda(
  handler: PluginLambdaHandler,
  seen: { base64: boolean[] },
  caller: string | null = VEND_SESSION_ARN,
): typeof fetch {
  return async (input, init) => {
    const result = await handler(await functionUrlEvent(new Request(input, init), caller));
    seen.base64.push(result.isBase64Encoded);
    const body = result.isBase64Encoded ? Buffer.from(result.body, "base64") : result.body;
    const headers = new Headers();
    for (const [name, value] of Object.entries(result.headers ?? {})) headers.set(name, String(value));
    return new Response(body, { status: result.statusCode, headers });
  };
}
