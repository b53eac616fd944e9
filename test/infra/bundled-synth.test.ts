// The one synth WITH bundling: the committed example config, as `npx cdk synth -c config=...`
// builds it (local esbuild, no Docker). Checks what gets uploaded — each function's bundle and
// nothing else (no source map), the compiled policy inside the vend code — and that each bundle starts in a fresh Node
// process with exactly the environment the template gives it (deploy-time values filled in,
// Secrets Manager standing in over HTTP), so infra and function code agree on every variable.
import { execFile } from "node:child_process";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { compiledPolicyJson } from "../../functions/core/policy/policy-yaml.js";
import { buildCredvendApp } from "../../infra/app.js";
import { functionAssets, type FunctionAsset } from "../../infra/asset-sizes.js";
import type { CredvendStack } from "../../infra/credvend-stack.js";
import { REPO_ROOT } from "../../infra/paths.js";
import { LAMBDA_REGION, lambdaEnvironment } from "./lambda-environment.js";

const EXAMPLE = join(REPO_ROOT, "infra/credvend.config.example.yaml");
const outdir = mkdtempSync(join(tmpdir(), "credvend-bundled-"));
let assets: FunctionAsset[];
let built: CredvendStack;

beforeAll(async () => {
  const { app, stack } = await buildCredvendApp(EXAMPLE, { outdir });
  const assembly = app.synth();
  assets = functionAssets(assembly.directory, stack);
  built = stack;
}, 120_000);

const stackOf = () => built;
const asset = (name: string) => assets.find((a) => a.name === name)!;
const template = () =>
  JSON.parse(readFileSync(join(outdir, built.templateFile), "utf8")) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

test("every function of the example is bundled: one minified, self-contained ESM index.mjs, no source map", () => {
  expect(assets.map((a) => a.name).sort()).toEqual([
    "Anomalies",
    "Introspection-local-tokens",
    "Poller",
    "Sweeper",
    "Vend",
    "Webhooks",
    "Worker-aws-sts",
    "Worker-github",
    "Worker-local-tokens",
  ]);
  for (const asset of assets) {
    const files = readdirSync(asset.path).sort();
    const shipped: Record<string, string[]> = {
      Vend: ["credvend.policy.json", "credvend.workers.json", "index.mjs"],
      Webhooks: ["credvend.workers.json", "index.mjs"],
      Sweeper: ["credvend.workers.json", "index.mjs"],
      Poller: ["credvend.workers.json", "index.mjs"],
    };
    expect(files, asset.name).toEqual(shipped[asset.name] ?? ["index.mjs"]);
    const code = readFileSync(join(asset.path, "index.mjs"), "utf8");
    expect(code).toMatch(/export\s*\{/);
    expect(code.length / code.split("\n").length).toBeGreaterThan(1000); // minified: long lines
    // Built with the bundles' aliases (infra/bundles.ts), as the budget test measures them: the
    // SDK's full credential chain (here its SSO provider) stays out of what is deployed.
    expect(code, asset.name).not.toContain("sso_start_url");
    // Self-contained, the pinned AWS SDK included: the only imports left are Node's own modules.
    const imports = [...code.matchAll(/\bimport\s*[\w${},*\s]*?from\s*["']([^"']+)["']/g)].map((m) => m[1]!);
    expect(imports).toContain("node:module"); // the banner: proves the pattern finds imports
    expect(imports.filter((specifier) => !specifier.startsWith("node:"))).toEqual([]);
  }
});

test("the vend code carries the policy compiled from its YAML file (JSON: no YAML parser in the bundle); no other function does", () => {
  const { json } = compiledPolicyJson(readFileSync(join(REPO_ROOT, "credvend.policy.yaml"), "utf8"));
  for (const asset of assets) {
    const shipped = readdirSync(asset.path).includes("credvend.policy.json");
    expect([asset.name, shipped]).toEqual([asset.name, asset.name === "Vend"]);
    if (shipped) expect(readFileSync(join(asset.path, "credvend.policy.json"), "utf8")).toBe(json);
  }
});

describe("each bundled function starts with exactly the environment the template gives it", () => {
  // Secrets Manager stands in over HTTP (AWS_ENDPOINT_URL_SECRETS_MANAGER): the webhook secret and
  // a real PEM for the App key, as an operator would have filled them.
  const WEBHOOK_SECRET = "a-webhook-secret-of-sufficient-length";
  const appKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  let secretsManager: Server;
  let endpoint: string;
  const asked: string[] = [];

  beforeAll(async () => {
    secretsManager = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        const { SecretId } = JSON.parse(body) as { SecretId: string };
        asked.push(`${String(request.headers["x-amz-target"])} ${SecretId}`);
        const value = SecretId.includes("github-app-private-key") ? appKey : WEBHOOK_SECRET;
        response.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        response.end(JSON.stringify({ ARN: SecretId, Name: "x", SecretString: value, VersionId: "v1" }));
      });
    });
    await new Promise<void>((resolve) => secretsManager.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(secretsManager.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => secretsManager.close(() => resolve())));

  interface Invocation {
    readonly method: string;
    readonly path: string;
    readonly headers?: Record<string, string>;
    readonly body?: string;
    readonly isBase64Encoded?: boolean;
    /** The SigV4 signer the Function URL names (requestContext.authorizer.iam.userArn). */
    readonly caller?: string;
  }

  /** Imports the bundle in a fresh Node process as Lambda would, then optionally invokes it with a Function URL event. */
  async function start(
    asset: FunctionAsset,
    request?: Invocation,
  ): Promise<{ handler: string; status?: number; body?: string; headers?: Record<string, string> }> {
    const resources = template().Resources;
    const id = Object.keys(resources).find(
      (key) => stackOf().getLogicalId(stackOf().functions.get(asset.name)!.function.node.defaultChild as never) === key,
    )!;
    // A Lambda Function URL event (payload 2.0), as AWS delivers it.
    const event = request
      ? {
          version: "2.0",
          rawPath: request.path,
          rawQueryString: "",
          headers: { host: "x.lambda-url.eu-west-1.on.aws", ...request.headers },
          requestContext: {
            http: { method: request.method, path: request.path, sourceIp: "127.0.0.1" },
            domainName: "x.lambda-url.eu-west-1.on.aws",
            ...(request.caller ? { authorizer: { iam: { userArn: request.caller, accountId: request.caller.split(":")[4] } } } : {}),
          },
          ...(request.body !== undefined ? { body: request.body } : {}),
          isBase64Encoded: request.isBase64Encoded ?? false,
        }
      : undefined;
    const script = `const m = await import(${JSON.stringify(join(asset.path, "index.mjs"))});
const out = { handler: typeof m.handler };
if (${JSON.stringify(event ?? null)}) { const r = await m.handler(${JSON.stringify(event ?? null)}, {}); out.status = r.statusCode; out.body = r.body; out.headers = r.headers; }
process.stdout.write(JSON.stringify(out));`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: LAMBDA_REGION,
        AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "not-a-real-secret",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
        ...lambdaEnvironment(resources, id, asset.path),
      },
    });
    return JSON.parse(stdout) as { handler: string; status?: number; body?: string; headers?: Record<string, string> };
  }

  /** A template value as Lambda would see it: the function's environment, deploy-time values filled in. */
  const environmentOf = (name: string) => {
    const resources = template().Resources;
    const id = Object.keys(resources).find(
      (key) => stackOf().getLogicalId(stackOf().functions.get(name)!.function.node.defaultChild as never) === key,
    )!;
    return lambdaEnvironment(resources, id, asset(name).path);
  };

  test("vend: starts and answers /healthz", async () => {
    expect(await start(asset("Vend"), { method: "GET", path: "/healthz" })).toMatchObject({ handler: "function", status: 200 });
  });

  test("webhooks: reads its two secrets from Secrets Manager at cold start and accepts GitHub's ping signed with that secret", async () => {
    const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
    const signature = `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`;
    const headers = {
      "content-type": "application/json",
      "x-github-event": "ping",
      "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      "x-hub-signature-256": signature,
    };
    const path = "/webhooks/github/secret-scanning";
    expect(await start(asset("Webhooks"), { method: "POST", path, headers, body })).toMatchObject({ handler: "function", status: 200 });
    expect(
      await start(asset("Webhooks"), {
        method: "POST",
        path,
        headers: { ...headers, "x-hub-signature-256": `sha256=${"0".repeat(64)}` },
        body,
      }),
    ).toMatchObject({ status: 401 });
    expect(
      asked.filter((a) => a.startsWith("secretsmanager.GetSecretValue")).map((a) => a.replace(/^.*secret:credvend\/prod\//, "")),
    ).toEqual(expect.arrayContaining(["github-webhook-secret-51af3dc0-AbCdEf", "github-app-private-key-51af3dc0-AbCdEf"]));
  });

  test.each(["Sweeper", "Poller", "Anomalies", "Worker-local-tokens", "Worker-aws-sts", "Worker-github", "Introspection-local-tokens"])(
    "%s: starts",
    async (name) => {
      expect(await start(asset(name))).toEqual({ handler: "function" });
    },
  );

  // An empty Describe request, gRPC-web framed: flags 0, length 0.
  const DESCRIBE = {
    method: "POST",
    path: "/credvend.plugin.v1.PluginService/Describe",
    headers: { "content-type": "application/grpc-web+proto" },
    body: "AAAAAAA=",
    isBase64Encoded: true,
  };

  test.each(["Worker-local-tokens", "Worker-aws-sts", "Worker-github"])(
    "workers mint credentials for any caller: %s serves the vend role's session and refuses an admin of the same account",
    async (name) => {
      const allowed = JSON.parse(environmentOf(name).CREDVEND_ALLOWED_CALLERS!) as string[];
      expect(allowed).toHaveLength(4); // the vend, webhooks, sweeper and poller functions' roles
      const [, account, role] = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(allowed[0]!)!;
      const served = await start(asset(name), { ...DESCRIBE, caller: `arn:aws:sts::${account}:assumed-role/${role}/credvend-prod-vend` });
      expect(served).toMatchObject({ status: 200, headers: { "content-type": "application/grpc-web+proto" } });
      const refused = await start(asset(name), { ...DESCRIBE, caller: `arn:aws:sts::${account}:assumed-role/AdministratorAccess/admin` });
      expect(refused).toMatchObject({ status: 403, headers: { "grpc-status": "7" } });
      expect(JSON.parse(refused.body!)).toMatchObject({ error: { code: "permission_denied" } });
    },
  );

  test("Introspection-local-tokens: answers /introspect (a token that was never ours is inactive) and serves no gRPC", async () => {
    const introspected = await start(asset("Introspection-local-tokens"), {
      method: "POST",
      path: "/introspect",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: "cvd_000000000000000000000000000000000000" }),
      caller: "arn:aws:sts::111122223333:assumed-role/billing-service/billing",
    });
    expect(introspected).toMatchObject({ status: 200 });
    expect(JSON.parse(introspected.body!)).toEqual({ active: false });
    const allowed = JSON.parse(environmentOf("Worker-local-tokens").CREDVEND_ALLOWED_CALLERS!) as string[];
    const vendSession = allowed[0]!.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/vend";
    expect(await start(asset("Introspection-local-tokens"), { ...DESCRIBE, caller: vendSession })).toMatchObject({ status: 404 });
  });
});
