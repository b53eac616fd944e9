// Runs one installed worker's bundle as a Lambda Function URL would, in its own process started by
// worker-process.ts (Node's permission model: its own folder readable, nothing else; an explicit
// minimal environment): a loopback HTTP server that admits only the core (this worker's own caller
// secret, as the Function URL admits only IAM-signed calls), turns each request into a payload-2.0
// event whose caller is the local core role, and calls the bundle's handler.
//   argv: <module path> <export name> <caller header> <caller session ARN>
//   stdin: the caller secret on the first line; the end of stdin (the parent gone) ends the process.
//   stdout: one line {"credvendHost":{"port"}|{"error"}} once listening (the worker's own output follows).
import { createServer } from "node:http";
import { timingSafeEqual, createHash } from "node:crypto";
import { pathToFileURL } from "node:url";

const [modulePath, exportName, callerHeader, callerSessionArn] = process.argv.slice(2);
const digest = (text) => createHash("sha256").update(text).digest();
const report = (message) => process.stdout.write(`${JSON.stringify({ credvendHost: message })}\n`);

try {
  // Read before the worker's code is loaded; kept only as its digest.
  const expected = digest(await firstLine(process.stdin));
  process.stdin.on("end", () => process.exit(0));
  process.once("SIGTERM", () => process.exit(0));
  // Ctrl-C reaches the whole process group: the parent stops its workers itself, in order, so
  // that only a real crash is reported as one.
  process.on("SIGINT", () => undefined);
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
  server.listen(0, "127.0.0.1", () => report({ port: server.address().port }));
} catch (error) {
  report({ error: error?.message ?? String(error) });
  process.exit(1);
}

/** The first line of a stream, without its newline. */
function firstLine(stream) {
  return new Promise((resolve, reject) => {
    let text = "";
    const onEnd = () => reject(new Error("no caller secret on stdin"));
    const onData = (chunk) => {
      text += chunk.toString("utf8");
      const newline = text.indexOf("\n");
      if (newline < 0) return;
      stream.off("data", onData);
      stream.off("end", onEnd);
      resolve(text.slice(0, newline));
    };
    stream.on("data", onData);
    stream.once("end", onEnd);
  });
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
