// Security regression "workers mint credentials for any caller": a worker's Function URL admits
// every principal allowed lambda:InvokeFunctionUrl (admins, deploy roles, services granted
// introspection), so the SDK itself accepts gRPC calls only from the roles the deployment names,
// read from the payload-2.0 event's requestContext.authorizer.iam; on a loopback port, only with
// the local stack's secret. Anyone else gets 403 before the worker reads the request.
import { describe, expect, it } from "vitest";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { WorkerError } from "../../functions/core/errors.js";
import { CALLER_SECRET_HEADER, ConfigError, parseAllowedCallers, servePlugin, type CallerRefusal } from "../../plugin-workers/sdk/index.js";
import { functionUrlEvent, VEND_ROLE_ARN, VEND_SESSION_ARN, viaLambda } from "./plugin-sdk-lambda-fetch.js";
import { demoClaims, demoPlugin, demoScopes } from "./plugin-sdk-fixture.js";

const WEBHOOKS_ROLE_ARN = "arn:aws:iam::123456789012:role/service/credvend/webhooks";
const CORE = [VEND_ROLE_ARN, WEBHOOKS_ROLE_ARN];
const STRANGER = "arn:aws:sts::123456789012:assumed-role/AdministratorAccess/alice";
const INVOKER = "arn:aws:sts::123456789012:assumed-role/billing-service/billing";
const URL_BASE = "https://abc.lambda-url.eu-west-1.on.aws";
const VEND_PATH = "/credvend.plugin.v1.PluginService/Vend";
const SECRET = "a-local-stack-secret-of-some-length";

function served(options: { allowedCallers?: readonly string[]; callerSecret?: string } = { allowedCallers: CORE }) {
  const plugin = demoPlugin();
  const refused: (CallerRefusal & { method: string })[] = [];
  const { app, handler } = servePlugin(plugin, { ...options, onCallerRefused: (refusal) => refused.push(refusal) });
  const client = (caller: string | null) =>
    new GrpcWebPluginClient({ name: "demo", baseUrl: URL_BASE, fetch: viaLambda(handler, { base64: [] }, caller), maxRetries: 0 });
  /** A raw Vend through the handler: no gRPC-web client, the bytes do not matter. */
  const rawVend = async (caller: string | null) =>
    handler(
      await functionUrlEvent(
        new Request(`${URL_BASE}${VEND_PATH}`, {
          method: "POST",
          headers: { "content-type": "application/grpc-web+proto" },
          body: new Uint8Array([0, 0, 0, 0, 0]),
        }),
        caller,
      ),
    );
  return { plugin, refused, app, handler, client, rawVend };
}

async function vendThrough(client: GrpcWebPluginClient) {
  const request = { scopes: demoScopes, subject: demoClaims, ttlSeconds: 60 };
  const prepared = await client.prepare(request);
  return client.vend({ ...request, credentialId: "c-1", serialized: prepared.serialized!.serialized });
}

async function refusal(promise: Promise<unknown>): Promise<WorkerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkerError);
  return error as WorkerError;
}

describe("workers mint credentials for any caller: the Lambda handler checks the IAM caller", () => {
  it("a stranger's signed call (an admin session) is 403 permission_denied, logged with its ARN, and nothing is vended", async () => {
    const { plugin, refused, rawVend } = served();
    const result = await rawVend(STRANGER);
    expect(result.statusCode).toBe(403);
    expect(JSON.parse(result.body)).toEqual({
      error: { code: "permission_denied", message: "this worker accepts calls from the credvend core only" },
    });
    expect(result.headers).toMatchObject({ "grpc-status": "7" });
    expect(plugin.calls).toMatchObject({ validate: [], serialize: [], vend: [], revoke: 0 });
    expect(refused).toEqual([{ method: "Vend", caller: STRANGER, reason: "not one of the allowed callers" }]);
  });

  it("the core's gRPC-web client reads the refusal as PERMISSION_DENIED with the worker's message", async () => {
    const { plugin, client } = served();
    const error = await refusal(vendThrough(client(STRANGER)));
    expect(error.kind).toBe("upstream_failed");
    expect(error.message).toBe("worker demo failed during Prepare: this worker accepts calls from the credvend core only");
    expect(plugin.calls.vend).toEqual([]);
  });

  it("the vend role's session and the webhooks role's session (a role with a path) are served", async () => {
    const { client, plugin } = served();
    expect((await vendThrough(client(VEND_SESSION_ARN))).credential).toEqual({ token: "demo-c-1" });
    const webhooksSession = "arn:aws:sts::123456789012:assumed-role/webhooks/credvend-prod-webhooks";
    expect(
      await client(webhooksSession).revoke({ credentialId: "c-1", scopes: [], upstreamRef: "ref-c-1", expiresAt: new Date() }),
    ).toMatchObject({ outcome: "revoked" });
    expect(plugin.calls.vend).toHaveLength(1);
    expect(plugin.calls.revoke).toBe(1);
  });

  it("a service granted introspection reaches no gRPC method: Describe, Prepare, Vend and Revoke are all refused", async () => {
    const { plugin, client, refused } = served();
    const invoker = client(INVOKER);
    await refusal(invoker.describe());
    await refusal(vendThrough(invoker));
    await refusal(invoker.revoke({ credentialId: "any-credential", scopes: [], upstreamRef: "any", expiresAt: new Date() }));
    expect(plugin.calls).toMatchObject({ validate: [], vend: [], revoke: 0 });
    expect(refused.map((r) => [r.method, r.caller])).toEqual([
      ["Describe", INVOKER],
      ["Prepare", INVOKER],
      ["Revoke", INVOKER],
    ]);
  });

  it("no authorizer in the event (a Function URL without AWS_IAM auth) is 403", async () => {
    const { plugin, rawVend, refused } = served();
    expect((await rawVend(null)).statusCode).toBe(403);
    expect(refused[0]).toMatchObject({ caller: "(no IAM identity)" });
    expect(plugin.calls.vend).toEqual([]);
  });

  it("fails closed: with no allowed callers configured even the vend role is refused", async () => {
    for (const options of [{}, { allowedCallers: [] }]) {
      const { rawVend, refused } = served(options);
      expect((await rawVend(VEND_SESSION_ARN)).statusCode).toBe(403);
      expect(refused[0]?.reason).toContain("no allowed callers are configured");
    }
  });

  it.each([
    { name: "the same role name in another account", caller: "arn:aws:sts::999999999999:assumed-role/vend/vend" },
    { name: "the same role in another partition", caller: "arn:aws-cn:sts::123456789012:assumed-role/vend/vend" },
    { name: "a role whose name starts with an allowed one", caller: "arn:aws:sts::123456789012:assumed-role/vend-admin/vend" },
    { name: "a role whose name ends with an allowed one", caller: "arn:aws:sts::123456789012:assumed-role/not-vend/vend" },
    { name: "an IAM user", caller: "arn:aws:iam::123456789012:user/vend" },
    { name: "the account root", caller: "arn:aws:iam::123456789012:root" },
    { name: "the role ARN itself (never a caller)", caller: VEND_ROLE_ARN },
    { name: "a federated user", caller: "arn:aws:sts::123456789012:federated-user/vend" },
  ])("refuses $name", async ({ caller }) => {
    const { rawVend, plugin } = served();
    expect((await rawVend(caller)).statusCode).toBe(403);
    expect(plugin.calls.vend).toEqual([]);
  });

  it("matches a role with a path by account and name: the session ARN carries no path", async () => {
    const { client } = served({ allowedCallers: ["arn:aws:iam::123456789012:role/service/credvend/vend"] });
    expect((await client(VEND_SESSION_ARN).describe()).name).toBe("demo");
  });

  it("/healthz stays open (name and version only, no call into the worker)", async () => {
    const { handler, plugin } = served({});
    const result = await handler(await functionUrlEvent(new Request(`${URL_BASE}/healthz`), STRANGER));
    expect(result.statusCode).toBe(200);
    expect(plugin.calls.validate).toEqual([]);
  });

  it("an allowed caller that is not a role ARN is a configuration error at start", () => {
    expect(() => servePlugin(demoPlugin(), { allowedCallers: ["arn:aws:iam::123456789012:user/vend"] })).toThrow(ConfigError);
    expect(() => servePlugin(demoPlugin(), { allowedCallers: ["*"] })).toThrow(/not an IAM role ARN/);
  });
});

describe("workers mint credentials for any caller: a loopback worker checks the core's secret", () => {
  const vend = (app: ReturnType<typeof served>["app"], headers: Record<string, string>) =>
    app.request(VEND_PATH, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto", ...headers },
      body: new Uint8Array([0, 0, 0, 0, 0]),
    });

  it("without the secret, or with a wrong one (same length or not), a gRPC call is 403 and nothing is vended", async () => {
    const { app, plugin, refused } = served({ callerSecret: SECRET });
    const attempts: Record<string, string>[] = [
      {},
      { [CALLER_SECRET_HEADER]: SECRET.replace("a", "b") },
      { [CALLER_SECRET_HEADER]: "short" },
      { authorization: `Bearer ${SECRET}` },
    ];
    for (const headers of attempts) {
      const response = await vend(app, headers);
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: "permission_denied" } });
    }
    expect(plugin.calls.vend).toEqual([]);
    expect(refused.map((r) => r.reason)).toEqual(["no caller secret", "wrong caller secret", "wrong caller secret", "no caller secret"]);
  });

  it("with the secret the call reaches the worker", async () => {
    const { app } = served({ callerSecret: SECRET });
    const response = await vend(app, { [CALLER_SECRET_HEADER]: SECRET });
    expect(response.status).toBe(200); // a gRPC-web answer (here: the empty request's invalid_argument)
    expect(response.headers.get("grpc-status")).not.toBe("7");
  });

  it("a secret too short to be one is refused at start", () => {
    expect(() => servePlugin(demoPlugin(), { callerSecret: "12345" })).toThrow(ConfigError);
  });
});

describe("CREDVEND_ALLOWED_CALLERS", () => {
  it.each([
    { name: "unset", text: undefined, want: [] },
    { name: "blank", text: " ", want: [] },
    { name: "two roles, one with a path", text: JSON.stringify(CORE), want: CORE },
  ])("reads $name", ({ text, want }) => {
    expect(parseAllowedCallers(text)).toEqual(want);
  });

  it.each([
    { name: "not JSON", text: "arn:aws:iam::123456789012:role/vend", wantErr: "CREDVEND_ALLOWED_CALLERS: not valid JSON" },
    { name: "not an array", text: JSON.stringify({ vend: VEND_ROLE_ARN }), wantErr: "CREDVEND_ALLOWED_CALLERS: must be a JSON array" },
    { name: "a session ARN", text: JSON.stringify([VEND_SESSION_ARN]), wantErr: "CREDVEND_ALLOWED_CALLERS[0]: not an IAM role ARN" },
    { name: "a wildcard", text: JSON.stringify([VEND_ROLE_ARN, "*"]), wantErr: "CREDVEND_ALLOWED_CALLERS[1]: not an IAM role ARN" },
  ])("refuses $name", ({ text, wantErr }) => {
    expect(() => parseAllowedCallers(text)).toThrow(wantErr);
  });
});
