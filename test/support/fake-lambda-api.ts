// A local stand-in for Lambda's REST API (GET /2015-03-31/functions/{FunctionName}/configuration),
// reached through an `endpoint` as AWS_ENDPOINT_URL_LAMBDA would point the functions at it.
// Records each request as it arrived (raw path, headers) and answers from a queue of canned
// replies, the last one repeated; `hang` reads requests and never answers.
import { createServer, type IncomingHttpHeaders } from "node:http";
import { listenOnLoopbackPort } from "./loopback-server.js";

export interface FakeLambdaReply {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** An object is sent as JSON; a string or bytes as they are. */
  readonly body?: unknown;
}

export interface FakeLambdaApi {
  readonly url: string;
  readonly requests: { method: string; rawPath: string; headers: IncomingHttpHeaders }[];
  /** Replies in order; the last stays. */
  readonly replies: FakeLambdaReply[];
  hang: boolean;
  close(): Promise<void>;
}

export async function startFakeLambdaApi(...replies: FakeLambdaReply[]): Promise<FakeLambdaApi> {
  const api = { requests: [] as FakeLambdaApi["requests"], replies, hang: false };
  const server = createServer((req, res) => {
    api.requests.push({ method: req.method ?? "", rawPath: req.url ?? "", headers: req.headers });
    req.resume().on("end", () => {
      if (api.hang) return;
      const reply = (api.replies.length > 1 ? api.replies.shift() : api.replies[0]) ?? { status: 500 };
      const body = typeof reply.body === "string" || reply.body instanceof Uint8Array ? reply.body : JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
      res.end(body);
    });
  });
  const listening = await listenOnLoopbackPort(server);
  return Object.assign(api, listening);
}
