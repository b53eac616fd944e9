// A Lambda Function URL with AWS_IAM auth on a loopback port, in front of a worker's Lambda handler:
// it checks each request's SigV4 signature (service lambda, this region, the payload hashed) with
// @smithy/signature-v4 against the principals it knows, answers 403 {"Message":"Forbidden"} as a
// Function URL does when the signature is missing or wrong (the handler never runs), refuses bodies
// over 6 MB with 413, and hands the rest to the handler as payload-2.0 events naming the signer
// in requestContext.authorizer.iam. `checkSignatures: false` stands for a URL that names the
// access key's principal without checking the signature (a broken stand-in, for the kit to catch).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SignatureV4 } from "@smithy/signature-v4";
import { NodeSha256 } from "../../functions/adapters/plugins/sigv4-signer.js";
import { functionUrlEvent } from "../unit/plugin-sdk-lambda-fetch.js";

export interface Principal {
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** The assumed-role session ARN the Function URL names as the caller. */
  readonly arn: string;
}

export interface LambdaAnswer {
  readonly statusCode: number;
  readonly headers?: Record<string, string | number | boolean>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
}

export interface FunctionUrlEmulatorOptions {
  readonly region: string;
  /** By access key id. */
  readonly principals: ReadonlyMap<string, Principal>;
  readonly handler: (event: unknown) => Promise<LambdaAnswer>;
  readonly checkSignatures?: boolean;
}

export interface FunctionUrlEmulator {
  readonly url: string;
  /** Why each refused request was refused, in order. */
  readonly refusals: string[];
  close(): Promise<void>;
}

const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$/;

export async function startFunctionUrlEmulator(options: FunctionUrlEmulatorOptions): Promise<FunctionUrlEmulator> {
  const refusals: string[] = [];
  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      res.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify({ Message: String(error) }));
    });
  });
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    if (body === undefined)
      return void res
        .writeHead(413, { "content-type": "application/json" })
        .end('{"Message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}');
    const checked = await signer(options, req, body);
    if ("refused" in checked) {
      refusals.push(checked.refused);
      return void res.writeHead(403, { "content-type": "application/json" }).end('{"Message":"Forbidden"}');
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method ?? "GET",
      headers,
      ...(body.length > 0 ? { body: new Uint8Array(body) } : {}),
    });
    const answer = await options.handler(await functionUrlEvent(request, checked.arn));
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers ?? {})) out[name] = String(value);
    const payload = answer.isBase64Encoded ? Buffer.from(answer.body ?? "", "base64") : Buffer.from(answer.body ?? "");
    res.writeHead(answer.statusCode, out).end(payload);
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    refusals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_PAYLOAD_BYTES) chunks.push(chunk);
  }
  return size > MAX_PAYLOAD_BYTES ? undefined : Buffer.concat(chunks);
}

/** The signer's session ARN, or why the request is refused. */
async function signer(
  options: FunctionUrlEmulatorOptions,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ arn: string } | { refused: string }> {
  const authorization = req.headers.authorization;
  if (authorization === undefined) return { refused: "no signature" };
  const parsed = AUTHORIZATION.exec(authorization);
  if (!parsed) return { refused: "not a SigV4 Authorization header" };
  const [, keyId, day, region, service, signedHeaders] = parsed as unknown as [string, string, string, string, string, string];
  const principal = options.principals.get(keyId);
  if (!principal) return { refused: "unknown access key" };
  if (options.checkSignatures === false) return { arn: principal.arn };
  if (region !== options.region || service !== "lambda") return { refused: `signed for ${service} in ${region}` };
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate || !amzDate.startsWith(day) || Math.abs(Date.now() - signingDate.getTime()) > 5 * 60_000)
    return { refused: "x-amz-date missing, not the credential's day, or more than 5 minutes off" };
  if (principal.sessionToken !== undefined && req.headers["x-amz-security-token"] !== principal.sessionToken)
    return { refused: "wrong or missing session token" };
  // Re-sign exactly the headers it signed, with the principal's secret: the same signature or a refusal.
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(";")) {
    const value = req.headers[name];
    if (typeof value !== "string") return { refused: `signed header ${name} missing` };
    headers[name] = value;
  }
  const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
  const credentials = {
    accessKeyId: keyId,
    secretAccessKey: principal.secretAccessKey,
    ...(principal.sessionToken ? { sessionToken: principal.sessionToken } : {}),
  };
  const expected = await new SignatureV4({ service: "lambda", region, credentials, sha256: NodeSha256 }).sign(
    {
      method: req.method ?? "GET",
      protocol: "http:",
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      ...(body.length > 0 ? { body: new Uint8Array(body) } : {}),
    },
    { signingDate, signableHeaders: new Set(Object.keys(headers)) },
  );
  return expected.headers.authorization === authorization ? { arn: principal.arn } : { refused: "signature mismatch" };
}

function parseAmzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}
