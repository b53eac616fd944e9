// Runs one installed worker's bundle as a Lambda Function URL would, in a worker thread of the
// local stack (its own process.env: the variables the stack gives it, nothing else of ours): a
// loopback HTTP server that admits only the core (the local stack's caller secret, as the
// Function URL admits only IAM-signed calls), turns each request into a payload-2.0 event whose
// caller is the local core role, and calls the bundle's handler.
import { createServer } from "node:http";
import { timingSafeEqual, createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import { parentPort, workerData } from "node:worker_threads";

const { modulePath, exportName, callerSecret, callerHeader, callerSessionArn } = workerData;
const digest = (text) => createHash("sha256").update(text).digest();
const expected = digest(callerSecret);

try {
  const module = await import(pathToFileURL(modulePath).href);
  const handler = module[exportName];
  if (typeof handler !== "function") throw new Error(`${modulePath} exports no function "${exportName}"`);
  const server = createServer(async (request, response) => {
    const presented = request.headers[callerHeader];
    if (typeof presented !== "string" || !timingSafeEqual(digest(presented), expected)) {
      response.writeHead(403, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ error: { code: "permission_denied", message: "this worker accepts calls from the credvend core only" } }),
      );
      return;
    }
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    try {
      const result = await handler(functionUrlEvent(request, Buffer.concat(chunks)), { awsRequestId: "local" });
      const body = result.isBase64Encoded ? Buffer.from(result.body ?? "", "base64") : Buffer.from(result.body ?? "");
      response.writeHead(result.statusCode ?? 200, result.headers ?? {});
      response.end(body);
    } catch (error) {
      response.writeHead(502, { "content-type": "text/plain" });
      response.end(`handler failed: ${error?.name ?? "error"}`);
    }
  });
  server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
  parentPort.on("message", (message) => {
    if (message !== "close") return;
    server.close(() => parentPort.close());
    server.closeAllConnections();
  });
} catch (error) {
  parentPort.postMessage({ error: error?.message ?? String(error) });
}

function functionUrlEvent(request, body) {
  const url = new URL(request.url, "http://localhost");
  const headers = {};
  for (const [name, value] of Object.entries(request.headers))
    if (name !== callerHeader) headers[name] = Array.isArray(value) ? value.join(",") : value;
  const session = callerSessionArn.split("/").at(-1);
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    body: body.toString("base64"),
    isBase64Encoded: true,
    requestContext: {
      accountId: callerSessionArn.split(":")[4],
      apiId: "local",
      authorizer: {
        iam: {
          accessKey: "local",
          accountId: callerSessionArn.split(":")[4],
          callerId: session,
          userArn: callerSessionArn,
          userId: session,
        },
      },
      domainName: "127.0.0.1",
      domainPrefix: "local",
      requestId: "local",
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
