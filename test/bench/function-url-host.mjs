// A function's bundle as a Lambda Function URL serves it, in a fresh process of its own (the cold
// and warm vend benches, cold-vend-bench.ts): a worker behind an AWS_IAM URL, or, with the caller
// session ARN "none", the vend function behind its public (auth NONE) URL. The loopback port listens first, as the Function
// URL exists before any environment does (it listens while the bundle loads): a request that arrives during the bundle's import waits
// for it, as the first invocation waits for a cold init. Each request's SigV4 signature is checked
// against the one key pair the bench gave the vend process, as Lambda's front end checks it
// (outside the function on AWS, so its time is reported apart), and only then does the payload-2.0
// event name the vend function's role session in requestContext.authorizer.iam.
//   argv: <bundle path> <port> <caller session ARN, or "none": no SigV4 check, no authorizer> <region>
//   env:  the worker's Lambda environment; CREDVEND_BENCH_CALLER_KEYS = {"accessKeyId","secretAccessKey","sessionToken"}
//   stdout: one JSON line per event {"coldHost":{...}} with epoch milliseconds
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";

const [bundlePath, port, callerSessionArn, region] = process.argv.slice(2);
const iamAuth = callerSessionArn !== "none";
const callerKeys = JSON.parse(process.env.CREDVEND_BENCH_CALLER_KEYS ?? "{}");
delete process.env.CREDVEND_BENCH_CALLER_KEYS; // the worker's code sees only its Lambda environment
const epoch = () => performance.timeOrigin + performance.now();
const report = (message) => process.stdout.write(`${JSON.stringify({ coldHost: message })}\n`);

const importStart = epoch();
const handlerReady = import(pathToFileURL(bundlePath).href).then((module) => {
  report({ importStart, importEnd: epoch() });
  return module.handler;
});
// The SigV4 check is the front end's, not the worker's: loaded after the worker's own init.
const verifierReady = iamAuth ? handlerReady.then(() => import("@smithy/signature-v4")) : undefined;

const server = createServer((request, response) => {
  void serveOne(request, response).catch((error) => {
    response.writeHead(502, { "content-type": "text/plain" });
    response.end(`handler failed: ${error?.name ?? "error"}`);
  });
});
server.listen(Number(port), "127.0.0.1", () => report({ listening: epoch() }));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();

async function serveOne(request, response) {
  const arrived = epoch();
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  const handler = await handlerReady;
  const checkStart = epoch();
  const refusal = iamAuth ? await sigV4Refusal((await verifierReady).SignatureV4, request, body) : undefined;
  const checkMs = epoch() - checkStart;
  if (refusal) {
    report({ refused: refusal });
    response.writeHead(403, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: { code: "permission_denied", message: refusal } }));
    return;
  }
  const invokeStart = epoch();
  const result = await handler(functionUrlEvent(request, body), { awsRequestId: `bench-${arrived}` });
  const invokeEnd = epoch();
  const payload = result.isBase64Encoded ? Buffer.from(result.body ?? "", "base64") : Buffer.from(result.body ?? "");
  response.writeHead(result.statusCode ?? 200, result.headers ?? {});
  response.end(payload);
  report({ path: new URL(request.url, "http://x").pathname, arrived, checkMs, invokeStart, invokeEnd });
}

/** Why the request is not signed by the caller's keys for lambda in `region`, or undefined. */
async function sigV4Refusal(SignatureV4, request, body) {
  const authorization = request.headers.authorization ?? "";
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/lambda\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$/.exec(
      authorization,
    );
  if (!match) return "no SigV4 Authorization header";
  if (match[1] !== callerKeys.accessKeyId || match[3] !== region) return "signed with another key or region";
  const bodyHash = createHash("sha256").update(body).digest("hex");
  const declared = request.headers["x-amz-content-sha256"];
  if (declared !== undefined && declared !== bodyHash) return "the body is not the signed body";
  const amzDate = String(request.headers["x-amz-date"] ?? "");
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!date) return "no x-amz-date";
  const signingDate = new Date(Date.UTC(+date[1], +date[2] - 1, +date[3], +date[4], +date[5], +date[6]));
  if (Math.abs(Date.now() - signingDate.getTime()) > 5 * 60_000) return "signature expired";
  const headers = {};
  for (const name of match[4].split(";")) headers[name] = String(request.headers[name] ?? "");
  const url = new URL(request.url, `http://${request.headers.host}`);
  const signer = new SignatureV4({ service: "lambda", region, credentials: callerKeys, sha256: NodeSha256 });
  const expected = await signer.sign(
    {
      method: request.method,
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      ...(body.length > 0 ? { body } : {}),
    },
    { signingDate },
  );
  const a = Buffer.from(expected.headers.authorization ?? "");
  const b = Buffer.from(authorization);
  return a.length === b.length && timingSafeEqual(a, b) ? undefined : "the signature does not match";
}

class NodeSha256 {
  constructor(secret) {
    this.secret = secret;
    this.reset();
  }
  update(data) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
  reset() {
    this.hash = this.secret === undefined ? createHash("sha256") : createHmac("sha256", this.secret);
  }
}

function functionUrlEvent(request, body) {
  const url = new URL(request.url, "http://localhost");
  const headers = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(",") : value;
  const account = iamAuth ? callerSessionArn.split(":")[4] : "123456789012";
  const session = iamAuth ? callerSessionArn.split("/").at(-1) : undefined;
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    body: body.toString("base64"),
    isBase64Encoded: true,
    requestContext: {
      accountId: account,
      apiId: "bench",
      ...(iamAuth
        ? {
            authorizer: {
              iam: { accessKey: callerKeys.accessKeyId, accountId: account, callerId: session, userArn: callerSessionArn, userId: session },
            },
          }
        : {}),
      domainName: String(request.headers.host),
      domainPrefix: "bench",
      requestId: "bench",
      routeKey: "$default",
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      http: {
        method: request.method,
        path: url.pathname,
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: request.headers["user-agent"] ?? "",
      },
    },
  };
}
