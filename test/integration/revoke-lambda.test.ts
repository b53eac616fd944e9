// DELETE /v1/credentials/{id} through the vend function's Lambda entry (functions/vend/lambda.ts),
// as Lambda runs it: the module imported in a fresh process with the function's environment, then
// invoked with Function URL events (payload 2.0). Real parts around it: the ledger on AWS DynamoDB
// Local (the deployed function writes a vend in one TransactWriteItems, which dynalite lacks), the
// local-tokens worker on a loopback port (SigV4-signed calls, as to a Function URL), and an OIDC
// issuer on loopback serving its discovery document and keys.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOrCreateDevIssuer, defaultDevClaims, type DevIssuer } from "../../cli/dev/dev-oidc-issuer.js";
import { ensureLedgerTable } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import { MemoryLocalTokenStore } from "../../plugin-workers/local-tokens/memory-store.js";
import { compiledPolicyJson } from "../../functions/core/policy/policy-yaml.js";
import { startLocalTokensWorker } from "../../plugin-workers/local-tokens/serve.js";
import type { LoopbackServer } from "../../plugin-workers/sdk/index.js";
import { localDynamoClient, type LocalDynamo } from "../support/dynalite.js";
import { startDynamoDbLocal } from "../support/dynamodb-local.js";

const LAMBDA_ENTRY = fileURLToPath(new URL("../../functions/vend/lambda.ts", import.meta.url));
const TABLE = "credvend-ledger";

const started = await startDynamoDbLocal();
const dynamo: LocalDynamo | undefined = "skipped" in started ? undefined : started;
let worker: LoopbackServer;
let issuerServer: ServerType;
let issuer: DevIssuer;

beforeAll(async () => {
  if (!dynamo) return;
  const client = localDynamoClient(dynamo.endpoint);
  await ensureLedgerTable(client, TABLE);
  client.destroy();
  worker = await startLocalTokensWorker({ store: new MemoryLocalTokenStore() });
  let routes: ((request: Request) => Response | Promise<Response>) | undefined;
  const port = await new Promise<number>((resolve) => {
    issuerServer = serve({ fetch: (request) => routes!(request), port: 0, hostname: "127.0.0.1" }, (info) => resolve(info.port));
  });
  issuer = await loadOrCreateDevIssuer({ dir: mkdtempSync(join(tmpdir(), "credvend-issuer-")), issuerUrl: `http://127.0.0.1:${port}` });
  const app = issuer.routes();
  routes = (request) => app.fetch(request);
}, 30_000);

afterAll(async () => {
  await worker?.close();
  await new Promise<void>((resolve) => (issuerServer ? issuerServer.close(() => resolve()) : resolve()));
  await dynamo?.close();
});

interface Invocation {
  readonly method: string;
  readonly path: string;
  readonly token: string;
  readonly body?: string;
}

/** A Function URL event (payload 2.0), as AWS delivers it. */
function functionUrlEvent(request: Invocation) {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: request.path,
    rawQueryString: "",
    headers: {
      host: "x.lambda-url.eu-west-1.on.aws",
      authorization: `Bearer ${request.token}`,
      ...(request.body ? { "content-type": "application/json" } : {}),
    },
    requestContext: {
      http: { method: request.method, path: request.path, protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "test" },
      domainName: "x.lambda-url.eu-west-1.on.aws",
      requestId: "r",
      routeKey: "$default",
      stage: "$default",
      time: "01/Jan/2031:10:00:00 +0000",
      timeEpoch: 1924941600000,
    },
    ...(request.body ? { body: request.body } : {}),
    isBase64Encoded: false,
  };
}

/** Imports the Lambda entry in a fresh process with the function's environment and runs the events in order. */
async function invoke(events: readonly Invocation[]): Promise<{ statusCode: number; body: string }[]> {
  const script = `const { handler } = await import(${JSON.stringify(LAMBDA_ENTRY)});
const out = [];
for (const event of ${JSON.stringify(events.map(functionUrlEvent))}) {
  if (out.length > 0) event.rawPath = event.requestContext.http.path = event.rawPath.replace("ID", JSON.parse(out[0].body).credentialId);
  const r = await handler(event, {});
  out.push({ statusCode: r.statusCode, body: r.body });
}
process.stdout.write("\\n" + JSON.stringify(out));`;
  const policy = `version: 1
audience: credvend
issuers: [${issuer.issuerUrl}]
rules:
  - name: web
    when: { repository: acme/web }
    allow: ["local:read:*"]
    maxTtl: 15m
`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    env: {
      PATH: process.env.PATH,
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "not-a-real-secret",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      AWS_ENDPOINT_URL_DYNAMODB: dynamo!.endpoint,
      CREDVEND_LEDGER_TABLE: TABLE,
      CREDVEND_POLICY: compiledPolicyJson(policy).json,
      CREDVEND_WORKERS: JSON.stringify([{ name: "local-tokens", url: worker.url, providers: ["local"], allowUnsigned: true }]),
    },
  });
  // The function's metrics (CloudWatch embedded metric format) share stdout, one line each: the
  // script's answer is the last line.
  return JSON.parse(stdout.trimEnd().split("\n").at(-1) ?? "") as { statusCode: number; body: string }[];
}

describe.skipIf(!dynamo)(
  `the vend Lambda entry: DELETE /v1/credentials/{id} (Function URL, payload 2.0)${"skipped" in started ? ` (skipped: ${started.skipped})` : ""}`,
  () => {
    it("the vending run revokes its credential (twice: the same answer), another run gets 404; the worker says inactive", async () => {
      const claims = { ...defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" }), run_id: "99" };
      const mint = (extra: Record<string, string> = {}) =>
        issuer.mint({ ...claims, ...extra, repository: "acme/web", ref: "refs/heads/main", audience: "credvend" });
      const [token, otherRun] = await Promise.all([mint(), mint({ run_id: "100" })]);
      const path = "/v1/credentials/ID";
      const [vended, foreign, revoked, again] = await invoke([
        { method: "POST", path: "/v1/vend", token, body: JSON.stringify({ scopes: ["local:read:billing"], ttlSeconds: 300 }) },
        { method: "DELETE", path, token: otherRun },
        { method: "DELETE", path, token },
        { method: "DELETE", path, token },
      ]);
      expect(vended).toMatchObject({ statusCode: 200 });
      const { credentialId, credential } = JSON.parse(vended!.body) as { credentialId: string; credential: { token: string } };
      expect(foreign).toEqual({
        statusCode: 404,
        body: JSON.stringify({
          error: { code: "credential_not_found", message: "no credential with this id was vended to this workflow run" },
        }),
      });
      expect(revoked?.statusCode).toBe(200);
      expect(JSON.parse(revoked!.body)).toEqual({
        credentialId,
        state: "revoked",
        revokedBy: "revoked_by_owner",
        revokedAt: expect.any(String),
      });
      expect(again).toEqual(revoked);
      const introspection = await fetch(`${worker.url}/introspect`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: credential.token }),
      });
      expect(((await introspection.json()) as { active: boolean }).active).toBe(false);
    }, 60_000);
  },
);
