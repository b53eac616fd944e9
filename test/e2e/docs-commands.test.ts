// Every command the docs show is run by a test, so the docs cannot drift. Each command of a shell
// block of README.md or docs/*.md (test/support/doc-commands.ts) must be in RUN_BY below: either
// this file runs it literally — the README top to bottom, then the audit and plugin pages, in a
// temp copy of the repository with its own data dir and port — or it names the test that runs it
// (or, for what needs an AWS account, its offline equivalent) with evidence that test still holds.
// A command added to the docs without an entry fails here.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tokenHash } from "../../plugin-protocol/token-hash.js";
import { type DocCommand, documentationFiles, documentedCommands } from "../support/doc-commands.js";
import {
  cleanEnvironment,
  copyWorkingTree,
  type RanCommand,
  runShell,
  startDocumentedStack,
  type DocumentedStack,
} from "../support/doc-runner.js";

const ROOT = new URL("../..", import.meta.url).pathname;

type RunBy =
  /** Run literally by the doc runner below (after the placeholder substitutions it lists). */
  | { readonly runner: true }
  /** Run by another test, or by CI's script: `evidence` must still be found in that file. */
  | { readonly file: string; readonly evidence: RegExp; readonly why: string };

const runner = { runner: true } as const;

/** Reviewed: every documented command and what runs it. */
const RUN_BY: Readonly<Record<string, RunBy>> = {
  // README: quick start. `npm start` is run by the runner; `npm install` is what CI does (npm ci).
  "npm install && npm start": runner,
  "npm test": { file: ".ci/run", evidence: /^npm test$/m, why: "CI runs the whole suite; a test cannot run itself" },
  "TOKEN=$(npx credvend dev token --repository acme/web --ref refs/heads/main)": runner,
  'curl -s http://127.0.0.1:8787/v1/vend -H "Authorization: Bearer $TOKEN" -H \'Content-Type: application/json\' -d \'{"scopes":["local:read:billing"],"ttlSeconds":600}\'':
    runner,
  'curl -s http://127.0.0.1:8787/v1/vend -H "Authorization: Bearer $TOKEN" -H \'Content-Type: application/json\' -d \'{"scopes":["local:admin:billing"]}\'':
    runner,
  "npx credvend doctor": runner,
  // docs/python-workers.md: a Python worker, start to finish.
  "npx credvend plugin init acme-widgets --lang python --provider acme": {
    file: "test/e2e/plugin-init-python.test.ts",
    evidence: /creates a worker that passes its tests, signs, verifies and passes the conformance kit/,
    why: "every printed step of plugin init --lang python, from a temp dir",
  },
  "python3 -m unittest discover -s plugin-workers/acme-widgets": {
    file: "test/e2e/plugin-init-python.test.ts",
    evidence: /creates a worker that passes its tests, signs, verifies and passes the conformance kit/,
    why: "every printed step of plugin init --lang python, from a temp dir",
  },
  "npx credvend plugin sign --key .credvend/keys/publisher.key plugin-workers/acme-widgets": {
    file: "test/e2e/plugin-init-python.test.ts",
    evidence: /creates a worker that passes its tests, signs, verifies and passes the conformance kit/,
    why: "every printed step of plugin init --lang python, from a temp dir",
  },
  "export CREDVEND_CALLER_SECRET=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')": {
    file: "test/e2e/plugin-init-python.test.ts",
    evidence: /creates a worker that passes its tests, signs, verifies and passes the conformance kit/,
    why: "every printed step of plugin init --lang python, from a temp dir",
  },
  "python3 dist/workers/acme-widgets/code.zip --port 18080 &": {
    file: "test/e2e/plugin-init-python.test.ts",
    evidence: /creates a worker that passes its tests, signs, verifies and passes the conformance kit/,
    why: "every printed step of plugin init --lang python, from a temp dir",
  },
  "npx credvend plugin conformance --url http://127.0.0.1:18080 --scope acme:read:example": {
    file: "test/e2e/plugin-init-python.test.ts",
    evidence: /creates a worker that passes its tests, signs, verifies and passes the conformance kit/,
    why: "every printed step of plugin init --lang python, from a temp dir",
  },
  "pip install ./plugin-workers/python-sdk": {
    file: "test/integration/python-sdk.test.ts",
    evidence: /installs with pip \(standard library \+ protobuf only\)/,
    why: "no PyPI here: the same install into a venv with the system's protobuf",
  },
  "npx credvend plugin conformance --url URL [--caller-secret S | --caller-secret-file F] [--scope SCOPE ...] [--ttl SECONDS] [--timeout MS]":
    {
      file: "test/integration/plugin-conformance.test.ts",
      evidence: /prints one line per check and exits 0 for a conformant worker, 1 for a broken one, 2 on a usage error/,
      why: "the synopsis; the command runs against conformant and broken workers there",
    },
  // docs/policy.md: checking and explaining.
  "npx credvend policy check credvend.policy.yaml": {
    file: "test/unit/policy-cli.test.ts",
    evidence: /the sample policy is valid: exit 0/,
    why: "the same command on the repository's policy",
  },
  "npx credvend policy explain --claims claims.json --scope local:read:billing --scope local:admin:billing": {
    file: "test/unit/policy-cli.test.ts",
    evidence: /one line per scope, in order/,
    why: "explain with claims and several scopes, one line per scope",
  },
  // README: use from CI.
  "export CREDVEND_OIDC_TOKEN=$(npx credvend dev token --repository acme/web --ref refs/heads/main)": runner,
  "npx credvend vend --url http://127.0.0.1:8787 --scope local:read:billing --ttl 600 --format env": runner,
  // README: deploy. The copy runs here; what needs AWS is mapped to its offline equivalent.
  "cp infra/credvend.config.example.yaml infra/credvend.config.yaml": runner,
  "npx cdk bootstrap aws://<account>/<region>": {
    file: ".ci/run",
    evidence: /^npx cdk synth .*-c config=infra\/credvend\.config\.example\.yaml/m,
    why: "needs an AWS account; CI synthesizes the example config with the CDK CLI offline",
  },
  "npx cdk deploy -c config=infra/credvend.config.yaml": {
    file: "test/infra/deployment-config.test.ts",
    evidence: /the deploy steps of %s work as written/,
    why: "needs an AWS account; the copied config loads and deploy names the copy (and .ci/run synthesizes it, test/infra/bundled-synth.test.ts bundles it)",
  },
  "aws secretsmanager put-secret-value --secret-id <GithubAppPrivateKeySecret output> --secret-string file://my-app.private-key.pem": {
    file: "test/integration/secret-refresh.test.ts",
    evidence: /new PutSecretValueCommand\(/,
    why: "needs an AWS account; the same Secrets Manager call on moto, and the functions pick the value up",
  },
  "aws secretsmanager get-secret-value --secret-id <GithubWebhookSecret output> --query SecretString --output text": {
    file: "test/integration/secret-refresh.test.ts",
    evidence: /read their Secrets Manager secrets \(moto's\)/,
    why: "needs an AWS account; GetSecretValue on moto, as the webhooks function reads the webhook secret",
  },
  // README and docs/leak-response.md: the leak demo.
  "npx credvend dev leak <cvd_ token>": runner,
  // docs/operating.md: the audit block, against the running stack's ledger as a deployed table.
  "pbpaste | npx credvend audit token - --outputs cdk-outputs.json": runner,
  "npx credvend audit token 9b74c9897bac770f…": runner,
  "npx credvend audit credential 586e48ff-aa2f-4a44-b12f-70a0c5bf3218": runner,
  "npx credvend audit repo acme/web --since 7d": runner,
  "npx credvend audit events --since 24h --type deny --ndjson": runner,
  "npx credvend audit anomalies --since 7d --config infra/credvend.config.yaml": runner,
  // docs/plugins.md: build, sign, verify; publish → install → deploy.
  "npx credvend plugin init acme-widgets": runner,
  "npm run build:workers": runner,
  "npx credvend keys generate": runner,
  "npx credvend plugin sign --key .credvend/keys/publisher.key dist/workers/acme-widgets": runner,
  "npx credvend plugin verify --trust .credvend/keys/publisher.pub.json dist/workers/acme-widgets": runner,
  "npx credvend plugin list": runner,
  "npx credvend keys generate --use registry": runner,
  "npx credvend registry build --key .credvend/keys/registry.key --publisher .credvend/keys/publisher.pub.json --out registry dist/workers/acme-widgets":
    runner,
  "npx credvend plugin search acme --registry https://plugins.example.com/ --registry-key registry.pub.json": runner,
  "npx credvend plugin install acme-widgets@0.1.0 --registry https://plugins.example.com/ --registry-key registry.pub.json --trust acme.pub.json":
    runner,
  "npm start -- --trust acme.pub.json": {
    file: "test/e2e/plugin-registry.test.ts",
    evidence: /an installed worker from outside the monorepo vends through npm start \(credvend dev\), verified as signed/,
    why: "the runner's stack is already up; this test starts one with an installed worker and vends through it",
  },
  "npx credvend plugin upgrade acme-widgets --registry-key registry.pub.json --trust acme.pub.json": {
    file: "test/e2e/registry-freshness.test.ts",
    evidence: /upgrade replaces in place: folder, record, serial and the deployment config's zip/,
    why: "needs a newer version in the registry than the one installed; this test publishes one and upgrades to it",
  },
  "npx credvend plugin remove acme-widgets": runner,
};

/** The pages the runner follows, in this order, as a reader would. */
const RUNNER_FILES = ["README.md", "docs/operating.md", "docs/plugins.md"];

const where = (c: DocCommand) => `${c.file}:${c.line}: ${c.command}`;

describe("every command in README.md and docs/ is run by a test", () => {
  const documented = documentedCommands(ROOT);

  it("finds the commands of every page's shell blocks", () => {
    expect(documentationFiles(ROOT)).toContain("docs/README.md");
    expect(documented.filter((c) => c.file === "README.md").length).toBeGreaterThanOrEqual(10);
  });

  it("each documented command is in the reviewed table (a new one needs an entry and a test)", () => {
    expect(documented.filter((c) => !Object.hasOwn(RUN_BY, c.command)).map(where)).toEqual([]);
  });

  it("the table lists no command the docs no longer show", () => {
    const shown = new Set(documented.map((c) => c.command));
    expect(Object.keys(RUN_BY).filter((command) => !shown.has(command))).toEqual([]);
  });

  it("each command the table leaves to another test or CI is still found there", () => {
    for (const [command, by] of Object.entries(RUN_BY)) {
      if ("runner" in by) continue;
      const file = join(ROOT, by.file);
      expect(existsSync(file), `${command}: ${by.file} is gone`).toBe(true);
      expect(readFileSync(file, "utf8"), `${command}: ${by.file} no longer shows ${by.evidence}`).toMatch(by.evidence);
    }
  });

  it("each command left to the runner is on a page the runner follows", () => {
    const followed = new Set(documented.filter((c) => RUNNER_FILES.includes(c.file)).map((c) => c.command));
    const runnerCommands = Object.entries(RUN_BY).filter(([, by]) => "runner" in by);
    expect(runnerCommands.map(([command]) => command).filter((command) => !followed.has(command))).toEqual([]);
  });
});

// ---- the runner --------------------------------------------------------------------------

/** The placeholders the pages use, and what stands for them here. */
function substitute(command: string, values: Readonly<Record<string, string>>): string {
  const replacements: [RegExp, string | undefined][] = [
    [/http:\/\/127\.0\.0\.1:8787/g, values.url], // PORT=0: the stack's own port
    [/<cvd_ token>/g, values.token], // the token the quick start vended
    [/9b74c9897bac770f…/g, values.token && tokenHash(values.token)], // its SHA-256
    [/586e48ff-aa2f-4a44-b12f-70a0c5bf3218/g, values.credentialId], // its credential id
    [/https:\/\/plugins\.example\.com\//g, "registry"], // the folder registry build wrote, as a path
    [/(?<= )registry\.pub\.json\b/g, ".credvend/keys/registry.pub.json"], // the registry's public key
    [/(?<= )acme\.pub\.json\b/g, ".credvend/keys/publisher.pub.json"], // the publisher's public key
  ];
  let text = command;
  for (const [pattern, value] of replacements) {
    if (!pattern.test(text)) continue;
    if (value === undefined) throw new Error(`${command}: nothing yet stands for ${pattern}`);
    text = text.replace(pattern, value);
  }
  return text;
}

/** What each command must do besides exiting 0, and what it gives the commands after it. */
function check(command: string, ran: Omit<RanCommand, "command">, values: Record<string, string>): void {
  if (command.startsWith("TOKEN=") || command.startsWith("export CREDVEND_OIDC_TOKEN=")) return;
  if (command.includes('"local:read:billing"')) {
    const body = JSON.parse(ran.stdout) as { credentialId: string; credential: { token: string } };
    expect(body.credential.token).toMatch(/^cvd_/);
    values.token = body.credential.token;
    values.credentialId = body.credentialId;
  } else if (command.includes('"local:admin:billing"')) {
    expect(JSON.parse(ran.stdout)).toMatchObject({
      error: { code: "scope_denied", message: expect.stringContaining("local:admin:billing") },
    });
  } else if (command === "npx credvend doctor") {
    expect(ran.stdout).toMatch(/worker local-tokens \(local\): verified, configured/);
  } else if (command.startsWith("npx credvend vend ")) {
    expect(ran.stdout).toMatch(/^export CREDVEND_TOKEN='cvd_[0-9A-Za-z]{36}'\n/);
  } else if (command.startsWith("pbpaste | npx credvend audit token")) {
    expect(ran.stdout).toContain(values.credentialId);
    expect(ran.stdout).toContain("revoked_on_detection");
    expect(ran.stdout).not.toContain(values.token);
  } else if (command.startsWith("npx credvend audit token ") || command.startsWith("npx credvend audit credential ")) {
    expect(ran.stdout).toContain(values.credentialId);
  } else if (command.startsWith("npx credvend audit repo acme/web")) {
    // The timeline's table shows a credential id's first 8 characters.
    expect(ran.stdout).toContain(values.credentialId?.slice(0, 8));
    expect(ran.stdout).toContain("revoked_on_detection");
  } else if (command.startsWith("npx credvend audit events")) {
    const denials = ran.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; scopes: string[] });
    expect(denials.map((e) => e.type)).toEqual(["deny"]);
    expect(denials[0]?.scopes).toEqual(["local:admin:billing"]);
  } else if (command.startsWith("npx credvend plugin verify")) {
    expect(ran.stdout).toContain("verified acme-widgets 0.1.0");
  } else if (command.startsWith("npx credvend plugin install")) {
    expect(ran.stdout).toContain("installed acme-widgets 0.1.0");
  } else if (command.startsWith("npx credvend plugin remove")) {
    expect(ran.stdout).toContain("removed acme-widgets 0.1.0");
    // The plugin's rule is not in the docs' policy: remove names none, and says nothing wrong.
    expect(ran.stdout + ran.stderr).not.toMatch(/still allow/i);
  }
}

describe.sequential("the docs, followed literally in a copy of the repository", () => {
  let copy: string | undefined;
  let stack: DocumentedStack | undefined;
  afterAll(async () => {
    await stack?.kill();
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it("README.md, docs/operating.md, docs/plugins.md: every command the table leaves to the runner, in order", async () => {
    copy = mkdtempSync(join(tmpdir(), "credvend-docs-"));
    copyWorkingTree(ROOT, copy);
    const state = join(copy, ".doc-runner-env");
    writeFileSync(state, "");
    const env = cleanEnvironment({ PORT: "0" });
    const values: Record<string, string> = {};
    const ran: RanCommand[] = [];

    for (const doc of documentedCommands(copy, RUNNER_FILES)) {
      const by = RUN_BY[doc.command];
      if (by === undefined || !("runner" in by)) continue;
      if (doc.command === "npm install && npm start") {
        // node_modules is the checkout's, already installed (`npm install` is CI's part, .ci/run).
        stack = await startDocumentedStack(copy, env);
        values.url = stack.url;
        continue;
      }
      if (doc.file === "docs/operating.md" && env.AWS_ENDPOINT_URL_DYNAMODB === undefined) {
        // What a deployed table gives the operator: the ledger behind the SDK's own endpoint
        // variable (here the stack's), the file `cdk deploy --outputs-file` writes, and the
        // leaked secret on the clipboard.
        // The embedded store answers only the stack's own access key id (an installed worker that
        // finds its port cannot read the ledger), so the "operator" signs with that one.
        const server = JSON.parse(readFileSync(join(copy, ".credvend", "dev-server.json"), "utf8")) as {
          dynamoEndpoint: string;
          dynamoAccessKeyId: string;
        };
        Object.assign(env, {
          AWS_ENDPOINT_URL_DYNAMODB: server.dynamoEndpoint,
          AWS_REGION: "us-east-1",
          AWS_ACCESS_KEY_ID: server.dynamoAccessKeyId,
          AWS_SECRET_ACCESS_KEY: "local",
          CREDVEND_LEDGER_TABLE: "credvend-ledger",
          CREDVEND_DOC_CLIPBOARD: values.token ?? "",
        });
        writeFileSync(join(copy, "cdk-outputs.json"), JSON.stringify({ "credvend-prod": { LedgerTableName: "credvend-ledger" } }));
      }
      const result = await runShell(substitute(doc.command, values), copy, env, state);
      ran.push({ ...result, command: doc.command });
      expect(result.code, `${where(doc)}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
      check(doc.command, result, values);
    }

    const left = Object.keys(RUN_BY).filter((c) => "runner" in RUN_BY[c]! && c !== "npm install && npm start");
    expect(left.filter((command) => !ran.some((r) => r.command === command))).toEqual([]);
    expect(ran.filter((r) => r.command.startsWith("npx credvend dev leak")).map((r) => JSON.parse(r.stdout).outcome)).toEqual([
      "revoked_on_detection",
      "already_handled",
    ]);
    // Ctrl-C stops everything; no secret reached the stack's output.
    expect(await stack!.stop()).toContain("stopped.");
    expect(stack!.output()).not.toContain(values.token);
  }, 900_000);
});
