// GetFunctionConfiguration as the deployed functions call it (one SigV4-signed GET, no SDK
// client), against a loopback stand-in of Lambda's REST API: the request as Lambda must receive
// it, and every answer that is not a usable configuration refused with a clear error that never
// quotes the body (the workers' environment variable values may be secrets).
import { SignatureV4 } from "@smithy/signature-v4";
import { afterEach, describe, expect, it } from "vitest";
import { LambdaCodeHash } from "../../functions/adapters/plugins/lambda-code-hash.js";
import { LambdaConfigurationApi, type LambdaConfigurationApiOptions } from "../../functions/adapters/plugins/lambda-configuration-api.js";
import { NodeSha256 } from "../../functions/adapters/plugins/sigv4-signer.js";
import { type FakeLambdaApi, type FakeLambdaReply, startFakeLambdaApi } from "../support/fake-lambda-api.js";

const ARN = "arn:aws:lambda:eu-west-1:123456789012:function:credvend-demo";
const SECRET = "sk_live_this-value-is-a-secret";
const CONFIGURATION = {
  FunctionName: "credvend-demo",
  CodeSha256: "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
  Handler: "index.handler",
  Runtime: "nodejs22.x",
  Environment: { Variables: { DEMO_TABLE: "t", DEMO_API_KEY: SECRET } },
};

let fake: FakeLambdaApi | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function apiAnswering(replies: FakeLambdaReply[], options: Partial<LambdaConfigurationApiOptions> = {}) {
  fake = await startFakeLambdaApi(...replies);
  const api = new LambdaConfigurationApi({
    region: "eu-west-1",
    endpoint: fake.url,
    credentials: async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "session-token" }),
    ...options,
  });
  return { api, fake };
}

/** The Authorization header SigV4 gives the request as received (what Lambda compares with). */
async function signatureLambdaExpects(request: FakeLambdaApi["requests"][number]): Promise<string> {
  const authorization = String(request.headers.authorization);
  const signedNames = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(";") ?? [];
  expect(signedNames).toEqual(expect.arrayContaining(["host", "x-amz-date", "x-amz-security-token"]));
  const headers = Object.fromEntries(signedNames.map((name) => [name, String(request.headers[name])]));
  const url = new URL(`http://${headers.host}${request.rawPath}`);
  const signer = new SignatureV4({
    service: "lambda",
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "session-token" },
    sha256: NodeSha256,
  });
  const signed = await signer.sign(
    { method: request.method, protocol: "http:", hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {}, headers },
    { signingDate: parseAmzDate(headers["x-amz-date"]!) },
  );
  return String(signed.headers.authorization);
}

function parseAmzDate(value: string): Date {
  const [, y, mo, d, h, mi, s] = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) ?? [];
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}

/** The error `configuration()` fails with, for assertions on its whole message. */
async function failure(code: LambdaCodeHash): Promise<Error> {
  const error = await code.configuration().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error("expected configuration() to fail");
  return error;
}

describe("Lambda GetFunctionConfiguration without the SDK client", () => {
  it("sends one signed GET with a qualified ARN URL-encoded in the path, and no Qualifier parameter", async () => {
    const { api, fake } = await apiAnswering([{ body: CONFIGURATION }]);
    expect((await new LambdaCodeHash(api, `${ARN}:live`).configuration()).codeSha256).toBe(CONFIGURATION.CodeSha256);
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request?.method).toBe("GET");
    expect(request?.rawPath).toBe(
      "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Acredvend-demo%3Alive/configuration",
    );
    expect(request?.headers["x-amz-security-token"]).toBe("session-token");
    // Lambda recomputes the signature from the request as it arrived (raw path, signed headers).
    expect(request?.headers.authorization).toBe(await signatureLambdaExpects(request!));
  });

  it("refuses a non-2xx answer with its status and Lambda's error type, not the message", async () => {
    const { api } = await apiAnswering([
      {
        status: 403,
        headers: { "x-amzn-errortype": "AccessDeniedException:http://internal.amazon.com/coral/com.amazonaws.lambda/" },
        body: { Message: `User is not authorized; ${SECRET}` },
      },
    ]);
    const error = await failure(new LambdaCodeHash(api, "credvend-demo"));
    expect(error.message).toBe("Lambda GetFunctionConfiguration for credvend-demo answered HTTP 403 (AccessDeniedException)");
  });

  it("reads the error type from the body when the header is missing, and shows only a name-shaped one", async () => {
    const { api } = await apiAnswering([
      { status: 400, body: { __type: "com.amazonaws.lambda#InvalidParameterValueException", message: SECRET } },
      { status: 400, body: { __type: SECRET.replace(/_/g, " ") } },
    ]);
    const code = new LambdaCodeHash(api, "credvend-demo");
    expect((await failure(code)).message).toBe(
      "Lambda GetFunctionConfiguration for credvend-demo answered HTTP 400 (InvalidParameterValueException)",
    );
    expect((await failure(code)).message).toBe(
      "Lambda GetFunctionConfiguration for credvend-demo answered HTTP 400 (an unreadable error type)",
    );
  });

  it("tries throttling once more, then gives up with the status", async () => {
    const throttled = { status: 429, headers: { "x-amzn-errortype": "TooManyRequestsException" }, body: {} };
    const { api, fake } = await apiAnswering([throttled, { body: CONFIGURATION }]);
    expect((await new LambdaCodeHash(api, "credvend-demo").configuration()).lambda?.handler).toBe("index.handler");
    fake.replies.splice(0, fake.replies.length, throttled);
    expect((await failure(new LambdaCodeHash(api, "credvend-demo"))).message).toMatch(/answered HTTP 429 \(TooManyRequestsException\)$/);
    expect(fake.requests).toHaveLength(4);
  });

  it("refuses an answer over the byte cap without quoting it", async () => {
    const big = { ...CONFIGURATION, Environment: { Variables: { DEMO_API_KEY: SECRET, PAD: "x".repeat(2000) } } };
    const { api } = await apiAnswering([{ body: big }], { maxBytes: 1024 });
    const error = await failure(new LambdaCodeHash(api, "credvend-demo"));
    expect(error.message).toBe("Lambda GetFunctionConfiguration for credvend-demo: the answer is over the 1024 byte cap");
  });

  it("gives up on an answer that does not come within the timeout", async () => {
    const { api, fake } = await apiAnswering([{ body: CONFIGURATION }], { timeoutMs: 200 });
    fake.hang = true;
    expect((await failure(new LambdaCodeHash(api, "credvend-demo"))).message).toBe(
      "Lambda GetFunctionConfiguration for credvend-demo: no complete answer within 200 ms",
    );
    expect(fake.requests).toHaveLength(1);
  });

  it("refuses a configuration without CodeSha256, naming the function", async () => {
    const { CodeSha256: _, ...withoutHash } = CONFIGURATION;
    const { api } = await apiAnswering([{ body: withoutHash }]);
    expect((await failure(new LambdaCodeHash(api, ARN))).message).toBe(`Lambda returned no CodeSha256 for ${ARN}`);
  });

  const malformed: { name: string; body: unknown; field: string }[] = [
    { name: "a JSON array", body: [CONFIGURATION], field: "a body" },
    { name: "a numeric CodeSha256", body: { ...CONFIGURATION, CodeSha256: 7 }, field: "CodeSha256" },
    { name: "Layers that are not a list", body: { ...CONFIGURATION, Layers: { Arn: "x" } }, field: "Layers" },
    { name: "a layer ARN that is not a string", body: { ...CONFIGURATION, Layers: [{ Arn: ["x"] }] }, field: "Layers[0].Arn" },
    {
      name: "Environment.Variables that are a list",
      body: { ...CONFIGURATION, Environment: { Variables: [SECRET] } },
      field: "Environment.Variables",
    },
    { name: "a Handler that is an object", body: { ...CONFIGURATION, Handler: { value: SECRET } }, field: "Handler" },
  ];
  for (const { name, body, field } of malformed) {
    it(`refuses ${name}, naming the field and never a value`, async () => {
      const { api } = await apiAnswering([{ body }]);
      const error = await failure(new LambdaCodeHash(api, "credvend-demo"));
      expect(error.message).toBe(`Lambda's configuration of credvend-demo has ${field} of an unexpected shape`);
      expect(error.message).not.toContain(SECRET);
    });
  }

  it("a body that is not JSON is refused without quoting it", async () => {
    const { api } = await apiAnswering([{ body: `{"Environment":{"Variables":{"K":"${SECRET}"` }]);
    const error = await failure(new LambdaCodeHash(api, "credvend-demo"));
    expect(error.message).toBe("Lambda GetFunctionConfiguration for credvend-demo: the answer is not JSON");
  });

  it("keeps the variable names of a well-formed answer and none of their values", async () => {
    const { api } = await apiAnswering([{ body: CONFIGURATION }]);
    const configuration = await new LambdaCodeHash(api, "credvend-demo").configuration();
    expect(configuration.lambda?.environmentNames).toEqual(["DEMO_API_KEY", "DEMO_TABLE"]);
    expect(JSON.stringify(configuration)).not.toContain(SECRET);
  });
});
