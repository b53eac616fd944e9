// The deployment config: every bad field fails with a message naming it, before any synth; the
// CDK entry prints those problems and exits 1. No template is synthesized in this file.
import { execFile } from "node:child_process";
import { copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { DeploymentConfigError, loadDeploymentConfig } from "../../infra/config/load-config.js";
import { DEFAULT_MEMORY_MB } from "../../infra/config/memory-defaults.js";
import { REPO_ROOT } from "../../infra/paths.js";
import { signBytes } from "../../functions/core/plugin-trust/ed25519.js";
import { canonicalManifestBytes, type PluginManifest } from "../../functions/core/plugin-trust/manifest.js";
import { FORBIDDEN_ENVIRONMENT_CASES } from "../support/forbidden-environment-cases.js";
import { fullConfig, LOCAL_TOKENS_CONFIGURATION, PUBLISHER, PUBLISHER_KEY, writeConfig } from "./infra-fixture.js";

type Config = Record<string, unknown>;
const base = () => fullConfig() as unknown as Config;
const withWorker = (i: number, patch: Config): Config => {
  const config = base();
  const workers = [...(config.workers as Config[])];
  workers[i] = { ...workers[i], ...patch };
  return { ...config, workers };
};

async function problemsOf(config: Config, policy?: string, signed?: Parameters<typeof writeConfig>[2]): Promise<string[]> {
  const folder = await writeConfig(config, policy, signed);
  try {
    await loadDeploymentConfig(folder.path);
  } catch (error) {
    if (error instanceof DeploymentConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe("valid configs", () => {
  test.each(["README.md", "infra/README.md"])(
    "the deploy steps of %s work as written: the copied example loads and deploy names the copy",
    async (doc) => {
      const text = readFileSync(join(REPO_ROOT, doc), "utf8");
      const copy = /^cp infra\/credvend\.config\.example\.yaml (\S+)/m.exec(text)?.[1];
      expect(copy).toBeDefined();
      expect(text).toMatch(new RegExp(`^npx cdk deploy -c config=${copy!.replaceAll(".", "\\.")}\\s`, "m"));
      // The copy itself, under a name of its own (the real one may be an operator's), in its folder.
      const path = join(REPO_ROOT, dirname(copy!), `credvend.config.test-${process.pid}-${Date.now()}.yaml`);
      copyFileSync(join(REPO_ROOT, "infra/credvend.config.example.yaml"), path);
      try {
        const config = await loadDeploymentConfig(path);
        expect(config.policyPath).toBe(join(REPO_ROOT, "credvend.policy.yaml"));
        expect(config.functions.vend.reservedConcurrency).toBeUndefined();
        expect(config.functions.webhooks.reservedConcurrency).toBeUndefined();
        // The example shows the defaults: each is memory-defaults.ts's.
        const { vend, webhooks, sweeper, poller, anomalies } = config.functions;
        const memory = { vend, webhooks, sweeper, poller, anomalies };
        for (const [name, settings] of Object.entries(memory))
          expect(settings.memoryMb, name).toBe(DEFAULT_MEMORY_MB[name as keyof typeof memory]);
      } finally {
        rmSync(path, { force: true });
      }
    },
  );

  // Regression: infra/README said `package: { zip: dist/… }`, but a config's paths are relative
  // to the config file (infra/), so that named infra/dist/… and synth failed.
  test("every `package: { zip }` the docs and the example show names, from the config's folder, the zip npm run build:workers writes", () => {
    const docs = ["README.md", "infra/README.md", "plugin-workers/README.md", "cli/README.md", "infra/credvend.config.example.yaml"];
    const shown = docs.flatMap((doc) =>
      [...readFileSync(join(REPO_ROOT, doc), "utf8").matchAll(/package:\s*\{\s*zip:\s*([^\s,}]+)/g)].map((m) => ({ doc, zip: m[1]! })),
    );
    expect(shown.map((s) => s.doc)).toEqual(expect.arrayContaining(["infra/README.md", "infra/credvend.config.example.yaml"]));
    // The deploy steps copy the example beside itself (infra/credvend.config.yaml): paths start there.
    const configDir = join(REPO_ROOT, "infra");
    const built = join(REPO_ROOT, "dist", "workers");
    for (const { doc, zip } of shown) {
      const resolved = resolve(configDir, zip);
      expect(relative(built, resolved), `${doc}: zip: ${zip} resolves to ${relative(REPO_ROOT, resolved)}`).toMatch(
        /^[a-z0-9-]+\/code\.zip$/,
      );
    }
  });

  test("the full fixture loads, with defaults filled in and paths resolved", async () => {
    const folder = await writeConfig(base());
    const config = await loadDeploymentConfig(folder.path);
    expect(config.workerTimeoutMs).toBe(5000);
    expect(config.policyPath).toBe(join(folder.dir, "policy.yaml"));
    expect(config.workers[0]!.signed?.codeSha256).toBe(folder.codeSha256);
    expect(config.workers[1]!.entryPath).toBe(join(REPO_ROOT, "plugin-workers/aws-sts/lambda.ts"));
  });

  test("the committed example loads", async () => {
    const config = await loadDeploymentConfig(join(REPO_ROOT, "infra/credvend.config.example.yaml"));
    expect(config.stage).toBe("prod");
    expect(config.workers.map((w) => w.name)).toEqual(["local-tokens", "aws-sts", "github"]);
  });
});

describe("bad configs name the field", () => {
  const cases: { name: string; config: () => Config; policy?: string; want: string }[] = [
    { name: "unknown top-level field", config: () => ({ ...base(), stgae: "x" }), want: "(top level): unknown field stgae" },
    { name: "bad stage", config: () => ({ ...base(), stage: "Prod!" }), want: "stage: must be 1-20 lower-case letters" },
    { name: "wrong version", config: () => ({ ...base(), version: 2 }), want: "version:" },
    { name: "missing policy", config: () => ({ ...base(), policy: "nope.yaml" }), want: "policy: cannot read" },
    {
      name: "invalid policy",
      config: base,
      policy:
        "version: 1\naudience: credvend\nissuers: [https://token.actions.githubusercontent.com]\nrules: [{name: x, when: {repo: a}, allow: ['local:read:*']}]\n",
      want: 'policy: rules[0].when.repo: unknown claim "repo"',
    },
    {
      name: "audience differs from the policy",
      config: () => ({ ...base(), oidc: { audience: "other", issuers: ["https://token.actions.githubusercontent.com"] } }),
      want: 'oidc.audience: "other" but the policy file requires "credvend"',
    },
    {
      name: "issuers differ from the policy",
      config: () => ({ ...base(), oidc: { audience: "credvend", issuers: ["https://example.com"] } }),
      want: "oidc.issuers: must be the policy file's issuers",
    },
    {
      name: "policy allows a provider no worker serves",
      config: () => ({ ...base(), workers: (base().workers as Config[]).slice(0, 2) }),
      want: 'policy: rules[0].allow[2] (github:contents-read:acme/web) names provider "github", which no worker serves',
    },
    { name: "no workers", config: () => ({ ...base(), workers: [] }), want: "workers: " },
    { name: "bad worker name", config: () => withWorker(1, { name: "AWS" }), want: "workers[1].name: must be lower-case" },
    { name: "unknown worker kind", config: () => withWorker(1, { kind: "gcp" }), want: "workers[1].kind:" },
    { name: "empty providers", config: () => withWorker(2, { providers: [] }), want: "workers[2].providers:" },
    {
      name: "duplicate worker name",
      config: () => withWorker(2, { name: "aws-sts" }),
      want: 'workers[2].name: "aws-sts" is also workers[1]',
    },
    {
      name: "provider served twice",
      config: () => withWorker(2, { providers: ["github", "aws"] }),
      want: 'workers[2].providers: "aws" is already served by aws-sts',
    },
    {
      name: "custom worker without entry",
      config: () => withWorker(2, { kind: "custom", name: "acme", providers: ["github"] }),
      want: "workers[2].entry: required for kind custom",
    },
    { name: "entry that does not exist", config: () => withWorker(1, { entry: "missing/lambda.ts" }), want: "workers[1].entry:" },
    {
      name: "entry and package together",
      config: () => withWorker(0, { entry: "x.ts" }),
      want: "workers[0]: set entry or package, not both",
    },
    {
      name: "zip not matching its manifest",
      config: () => withWorker(0, { package: { zip: "local-tokens/code.zip", manifest: "policy.yaml" } }),
      want: "workers[0].package.manifest:",
    },
    {
      name: "missing signature",
      config: () => withWorker(0, { package: { zip: "local-tokens/code.zip", signature: "nope.sig" } }),
      want: "workers[0].package.signature: cannot read",
    },
    {
      name: "worker environment variable not UPPER_SNAKE_CASE",
      config: () => withWorker(1, { environment: { "bad-name": "x" } }),
      want: "workers[1].environment.bad-name",
    },
    { name: "unknown worker field", config: () => withWorker(1, { memory: 1 }), want: "workers[1]: unknown field memory" },
    {
      name: "reserved concurrency out of range",
      config: () => ({ ...base(), functions: { vend: { reservedConcurrency: 0 } } }),
      want: "functions.vend.reservedConcurrency:",
    },
    {
      name: "memory under Lambda's 128 MB",
      config: () => ({ ...base(), functions: { sweeper: { memoryMb: 64 } } }),
      want: "functions.sweeper.memoryMb: must be a whole number of MB from 128 to 10240 (Lambda's range; CPU grows with it: docs/memory-sizing.md)",
    },
    {
      name: "memory over Lambda's 10,240 MB",
      config: () => ({ ...base(), functions: { vend: { memoryMb: 16384 } } }),
      want: "functions.vend.memoryMb: must be a whole number of MB from 128 to 10240",
    },
    {
      name: "memory not a whole number of MB",
      config: () => withWorker(1, { settings: { memoryMb: 1769.5 } }),
      want: "workers[1].settings.memoryMb: must be a whole number of MB from 128 to 10240",
    },
    {
      name: "memory as text",
      config: () => ({ ...base(), functions: { anomalies: { memoryMb: "1GB" } } }),
      want: "functions.anomalies.memoryMb: must be a whole number of MB from 128 to 10240",
    },
    {
      name: "a timeout for a scheduled function (fixed at 60 s: its run bounds itself to 50 s)",
      config: () => ({ ...base(), functions: { poller: { timeoutSeconds: 30 } } }),
      want: "functions.poller: unknown field timeoutSeconds",
    },
    { name: "log retention not a CloudWatch value", config: () => ({ ...base(), logRetentionDays: 42 }), want: "logRetentionDays:" },
    { name: "bad email", config: () => ({ ...base(), notifications: { email: "oncall" } }), want: "notifications.email:" },
    {
      name: "a notifier kind that does not exist",
      config: () => ({ ...base(), notifications: { notifiers: [{ name: "ops", kind: "email" }] } }),
      want: "notifications.notifiers[0].kind:",
    },
    {
      name: "two notifiers of one name",
      config: () => ({
        ...base(),
        notifications: {
          notifiers: [
            { name: "ops", kind: "slack" },
            { name: "ops", kind: "webhook" },
          ],
        },
      }),
      want: "notifier names must be unique",
    },
    {
      name: "an anomaly threshold out of range",
      config: () => ({ ...base(), anomalies: { denialBurstCount: 1 } }),
      want: "anomalies.denialBurstCount: must be a whole number from 2 to 100000",
    },
    {
      name: "an unknown anomaly threshold",
      config: () => ({ ...base(), anomalies: { burst: 3 } }),
      want: "anomalies.burst: unknown field",
    },
    {
      name: "github worker without App id",
      config: () => ({ ...base(), github: {} }),
      want: "github.appId: required by workers[2] (kind github)",
    },
    {
      name: "session longer than role chaining allows",
      config: () => ({ ...base(), awsSts: { maxSessionDuration: "2h" } }),
      want: "awsSts.maxSessionDuration: must be a duration",
    },
    {
      name: "not a role ARN",
      config: () => ({ ...base(), awsSts: { namedRoles: { deploy: "arn:aws:iam::1:user/x" } } }),
      want: "awsSts.namedRoles.deploy: must be an IAM role ARN",
    },
    {
      name: "two aws-sts workers",
      config: () => ({ ...base(), workers: [...(base().workers as Config[]), { name: "aws-2", kind: "aws-sts", providers: ["aws2"] }] }),
      want: "workers: at most one worker of kind aws-sts",
    },
    {
      name: "bad trusted key",
      config: () => ({ ...base(), trustedKeys: [{ keyId: "x", publicKey: "y" }] }),
      want: "trustedKeys[0].keyId:",
    },
    {
      name: "unsigned worker without allowUnsigned",
      config: () => withWorker(1, { allowUnsigned: false }),
      want: "workers[1]: the core would refuse this worker: unsigned: worker aws-sts has no signed manifest and allowUnsigned is not set (set package to its signed zip, or allowUnsigned: true)",
    },
    {
      name: "signed by a key that is not trusted",
      config: () => ({ ...base(), trustedKeys: [] }),
      want: "workers[0].package: the core would refuse this worker: unknown_key",
    },
    {
      name: "worker serving a provider its manifest does not declare",
      config: () => withWorker(0, { providers: ["local", "extra"] }),
      want: "workers[0].package: the core would refuse this worker: provider_not_declared",
    },
    {
      name: "trusted key whose id is not its key's",
      config: () => ({ ...base(), trustedKeys: [{ ...PUBLISHER_KEY, keyId: "0123456789abcdef" }] }),
      want: 'trustedKeys[0].keyId: "0123456789abcdef" is not the id of that key',
    },
    {
      name: "invoker that is not an IAM principal ARN",
      config: () => withWorker(0, { invokers: ["*"] }),
      want: "workers[0].invokers[0]: must be an IAM role or user ARN",
    },
    {
      name: "invokers on a worker that serves only the core",
      config: () => withWorker(1, { invokers: ["arn:aws:iam::111122223333:role/billing-service"] }),
      want: "workers[1].invokers: the aws-sts worker serves only the core; invokers are for local-tokens' introspection URL",
    },
    {
      name: "session revocation with several ceilings and no boundary",
      config: () => ({
        ...base(),
        awsSts: { sessionRevocation: true, managedPolicyArns: ["arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/B"] },
      }),
      want: "awsSts.permissionsBoundaryArn: required with sessionRevocation",
    },
    {
      name: "alert poller without the App",
      config: () => ({ ...base(), github: { alertPoller: { watch: ["acme"] } } }),
      want: "github.alertPoller: alertPoller needs appId",
    },
    {
      name: "alert poller watching a glob",
      config: () => ({ ...base(), github: { appId: 1, alertPoller: { watch: ["acme/*"] } } }),
      want: "github.alertPoller.watch[0]: must be an owner or owner/repo name (no globs)",
    },
    {
      name: "alert poller every 90 s (a schedule counts in minutes)",
      config: () => ({ ...base(), github: { appId: 1, alertPoller: { watch: ["acme"], every: "90s" } } }),
      want: "github.alertPoller.every: must be whole minutes",
    },
    {
      name: "http issuer",
      config: () => ({ ...base(), oidc: { audience: "credvend", issuers: ["http://token.actions.githubusercontent.com"] } }),
      want: "oidc.issuers[0]:",
    },
  ];

  test.each(cases)("$name", async ({ config, policy, want }) => {
    expect((await problemsOf(config(), policy)).join("\n")).toContain(want);
  });

  test("a signed zip that no longer matches its manifest's codeSha256 is refused", async () => {
    const folder = await writeConfig(base());
    writeFileSync(join(folder.dir, "local-tokens", "code.zip"), "rebuilt, not re-signed");
    await expect(loadDeploymentConfig(folder.path)).rejects.toThrow(
      /workers\[0\]\.package: the core would refuse this worker: code_mismatch: .* \(sign this zip again\)/,
    );
  });

  test("a signature that does not verify is refused", async () => {
    const folder = await writeConfig(base());
    writeFileSync(join(folder.dir, "local-tokens", "manifest.sig"), Buffer.alloc(64, 1).toString("base64"));
    await expect(loadDeploymentConfig(folder.path)).rejects.toThrow(
      /workers\[0\]\.package: the core would refuse this worker: bad_signature/,
    );
  });

  test("not YAML, and an unreadable file", async () => {
    const folder = await writeConfig(base());
    writeFileSync(folder.path, "version: [1\n");
    await expect(loadDeploymentConfig(folder.path)).rejects.toThrow(/not valid YAML/);
    await expect(loadDeploymentConfig(join(folder.dir, "none.yaml"))).rejects.toThrow(/cannot read the file \(ENOENT\)/);
  });
});

describe("a signed worker's configuration is checked at synth against its manifest", () => {
  const refusal = "the core would refuse this worker: configuration_mismatch:";

  test("a handler other than the signed one fails synth, naming package.handler", async () => {
    const problems = await problemsOf(withWorker(0, { package: { zip: "local-tokens/code.zip", handler: "main.handler" } }));
    expect(problems).toEqual([
      `workers[0].package.handler: ${refusal} handler "main.handler" is not the signed "index.handler" (set package.handler to the manifest's)`,
    ]);
  });

  test("a runtime other than the signed one fails synth, naming the package", async () => {
    const problems = await problemsOf(base(), undefined, { runtime: "python" });
    expect(problems).toEqual([
      `workers[0].package: ${refusal} runtime "nodejs24.x" is not the signed "python" (this stack deploys workers on nodejs24.x; a Python worker sets package.runtime: python)`,
    ]);
  });

  test("a variable the manifest does not allow fails synth, naming environment", async () => {
    const problems = await problemsOf(withWorker(0, { environment: { LOG_LEVEL: "debug" } }));
    expect(problems).toEqual([
      `workers[0].environment: ${refusal} environment variable LOG_LEVEL is not in the manifest's allowlist (what kind local-tokens and its environment set: sign the worker with those names allowed, or set fewer)`,
    ]);
  });

  test("a variable the worker's kind sets must be allowed too", async () => {
    expect((await problemsOf(base(), undefined, { environment: ["CREDVEND_ALLOWED_CALLERS"] })).join("\n")).toContain(
      `workers[0].environment: ${refusal} environment variable LOCAL_TOKENS_TABLE is not in the manifest's allowlist`,
    );
  });

  test("NODE_OPTIONS in any worker's environment fails synth, signed or not", async () => {
    expect(await problemsOf(withWorker(1, { environment: { NODE_OPTIONS: "--import=data:text/javascript,x" } }))).toEqual([
      "workers[1].environment.NODE_OPTIONS: never allowed on a worker (it makes the runtime load code the signature does not cover, or changes its TLS trust or proxy)",
    ]);
    expect((await problemsOf(withWorker(0, { environment: { AWS_LAMBDA_EXEC_WRAPPER: "/opt/w" } }))).join("\n")).toMatch(
      /^workers\[0\]\.environment\.AWS_LAMBDA_EXEC_WRAPPER: never allowed on a worker .*\n.*environment variable AWS_LAMBDA_EXEC_WRAPPER is set, which no worker may have/,
    );
  });

  test("a manifest signed before configuration binding (no handler, runtime, environment) fails synth: sign it again", async () => {
    const folder = await writeConfig(base());
    const { handler: _h, runtime: _r, environment: _e, ...old } = folder.manifest as Record<string, unknown>;
    writeFileSync(join(folder.dir, "local-tokens", "manifest.json"), JSON.stringify(old));
    await expect(loadDeploymentConfig(folder.path)).rejects.toThrow(
      /workers\[0\]\.package: the core would refuse this worker: malformed_manifest: manifest: no handler, runtime or environment: .* sign the worker again/,
    );
  });
});

describe.each(FORBIDDEN_ENVIRONMENT_CASES)(
  "forbidden worker environment was a denylist with gaps, at synth: $name ($runtime)",
  ({ name }) => {
    test("a signed manifest declaring it fails synth (malformed_manifest), whatever its signature", async () => {
      const folder = await writeConfig(base());
      const manifest = { ...(folder.manifest as PluginManifest), environment: [...LOCAL_TOKENS_CONFIGURATION.environment, name] };
      const signature = Buffer.from(await signBytes(PUBLISHER.privateKey, canonicalManifestBytes(manifest))).toString("base64");
      writeFileSync(join(folder.dir, "local-tokens", "manifest.json"), JSON.stringify(manifest));
      writeFileSync(join(folder.dir, "local-tokens", "manifest.sig"), signature);
      await expect(loadDeploymentConfig(folder.path)).rejects.toThrow(
        `workers[0].package: the core would refuse this worker: malformed_manifest: manifest.environment: ${name} is never allowed`,
      );
    });

    test("set in a worker's environment it fails synth, signed or not", async () => {
      // A name that is not UPPER_SNAKE_CASE (_JAVA_OPTIONS, https_proxy) is already refused by the schema.
      const want = /^[A-Z][A-Z0-9_]*$/.test(name) ? "never allowed on a worker" : "must be an UPPER_SNAKE_CASE name";
      expect((await problemsOf(withWorker(1, { environment: { [name]: "x" } }))).join("\n")).toContain(
        `workers[1].environment.${name}: ${want}`,
      );
    });
  },
);

test("`cdk synth` with a bad config prints the problems and exits 1", async () => {
  const folder = await writeConfig({ ...base(), stage: "BAD" });
  const run = promisify(execFile)(process.execPath, ["--import", "tsx", join(REPO_ROOT, "infra/main.ts")], {
    cwd: REPO_ROOT,
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ config: folder.path }) },
  });
  await expect(run).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringContaining(`invalid deployment config ${folder.path}:\n  - stage: must be 1-20`),
  });
});
