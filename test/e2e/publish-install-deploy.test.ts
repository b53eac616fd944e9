// Issue #20 finding 5: "Publish → install → deploy" did not fit together. The whole flow, literally,
// in a fresh temp project shaped like a fresh clone (the sample policy and the example deployment
// config, no infra/credvend.config.yaml): keys for the publisher and the registry, plugin init,
// plugin sign, registry build, plugin install (which creates the deployment config from the
// example and says so), an allow rule, cdk synth in-process, plugin remove (which names the rule
// left behind), synth failing on that rule, the rule dropped, synth passing again.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildCredvendApp } from "../../infra/app.js";
import { loadDeploymentConfig } from "../../infra/config/load-config.js";
import { runCliInProcess as cli } from "../support/cli-in-process.js";

const ROOT = join(import.meta.dirname, "../..");

function freshProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "credvend-flow-"));
  mkdirSync(join(dir, "infra"));
  cpSync(join(ROOT, "infra/credvend.config.example.yaml"), join(dir, "infra/credvend.config.example.yaml"));
  cpSync(join(ROOT, "credvend.policy.yaml"), join(dir, "credvend.policy.yaml"));
  return dir;
}

const ACME_RULE = `
  - name: acme-reports
    when:
      repository_id: "264037838" # acme/web
      ref: refs/heads/main
    allow:
      - "acme:read:*"
    maxTtl: 15m
`;

afterEach(() => vi.restoreAllMocks());

describe("publish → install → deploy, top to bottom in a fresh project", () => {
  it("registry build --key named a file no command created, plugin install without a deployment config added the worker to no deployment, plugin remove left the policy rule behind with no hint: the flow now works as written", async () => {
    const project = freshProject();
    const keys = join(project, ".credvend", "keys");
    const work = mkdtempSync(join(tmpdir(), "credvend-flow-work-"));

    // registry build --key registry.key named a file no command created: keys generate names it.
    const publisher = await cli("keys", "generate", "--out", keys);
    expect(publisher, publisher.err).toMatchObject({ code: 0 });
    expect(publisher.out).toContain("A publisher key. Sign workers with it:");
    expect(publisher.out).toContain("trustedKeys");
    const registry = await cli("keys", "generate", "--name", "registry", "--out", keys);
    expect(registry, registry.err).toMatchObject({ code: 0 });
    expect(existsSync(join(keys, "registry.key")) && existsSync(join(keys, "registry.pub.json"))).toBe(true);
    // Advice that fits a registry key: pinned with --registry-key, never a trusted publisher.
    expect(registry.out).toContain("A registry key. Sign the registry's index with it:");
    expect(registry.out).toContain("--registry-key");
    expect(registry.out).toContain("it does not belong in trustedKeys");
    expect(registry.out).not.toContain("CREDVEND_TRUSTED_KEYS");

    expect((await cli("plugin", "init", "acme-widgets", "--provider", "acme", "--dir", join(work, "acme-widgets"))).code).toBe(0);
    const signed = await cli(
      "plugin",
      "sign",
      "--key",
      join(keys, "publisher.key"),
      "--out",
      join(work, "dist"),
      join(work, "acme-widgets"),
    );
    expect(signed, signed.err).toMatchObject({ code: 0 });
    const built = await cli(
      "registry",
      "build",
      "--key",
      join(keys, "registry.key"),
      "--publisher",
      join(keys, "publisher.pub.json"),
      "--out",
      join(work, "registry"),
      join(work, "dist", "acme-widgets"),
    );
    expect(built, built.err).toMatchObject({ code: 0 });

    // plugin install without infra/credvend.config.yaml silently added the worker to no deployment.
    const installed = await cli(
      "plugin",
      "install",
      "acme-widgets@0.1.0",
      "--registry",
      join(work, "registry"),
      "--registry-key",
      join(keys, "registry.pub.json"),
      "--trust",
      join(keys, "publisher.pub.json"),
      "--dir",
      project,
    );
    expect(installed, installed.err).toMatchObject({ code: 0 });
    const config = join(project, "infra", "credvend.config.yaml");
    expect(installed.out).toContain(`deploy    created ${config} from the example with its publisher's key in trustedKeys and added it`);
    expect(installed.out).toContain("npx cdk deploy -c config=");
    expect(readFileSync(config, "utf8")).toContain("name: acme-widgets");

    // Before a rule allows acme, synth passes (the worker is deployed, nothing may use it yet).
    writeFileSync(
      join(project, "credvend.policy.yaml"),
      `${readFileSync(join(project, "credvend.policy.yaml"), "utf8").trimEnd()}\n${ACME_RULE}`,
    );
    const app = await buildCredvendApp(config, {
      context: { "aws:cdk:bundling-stacks": [] },
      outdir: mkdtempSync(join(tmpdir(), "credvend-flow-cdk-")),
    });
    const template = Template.fromStack(app.stack);
    expect(JSON.stringify(template.toJSON())).toContain("plugin worker acme-widgets (acme)");

    // plugin remove left the README's rule behind with no hint, and synth then failed.
    const removed = await cli("plugin", "remove", "acme-widgets", "--dir", project);
    expect(removed, removed.err).toMatchObject({ code: 0 });
    expect(removed.out).toContain("these rules still allow provider acme, which no worker serves now:");
    expect(removed.out).toMatch(/credvend\.policy\.yaml: rule "acme-reports" \(rules\[\d+\]\) allows "acme:read:\*"/);
    await expect(loadDeploymentConfig(config)).rejects.toThrow(/names provider "acme", which no worker serves/);

    // Doing what the hint says makes synth pass again.
    writeFileSync(
      join(project, "credvend.policy.yaml"),
      readFileSync(join(project, "credvend.policy.yaml"), "utf8").replace(ACME_RULE, "\n"),
    );
    await expect(loadDeploymentConfig(config)).resolves.toMatchObject({ stage: "prod" });
    const clean = await cli("plugin", "remove", "acme-widgets", "--dir", project);
    expect(clean.code).toBe(1);
  }, 180_000);

  it("--local-only installs for npm start only and says so; the deployment config is neither created nor touched", async () => {
    const project = freshProject();
    const keys = join(project, "keys");
    const work = mkdtempSync(join(tmpdir(), "credvend-flow-work-"));
    expect((await cli("keys", "generate", "--out", keys)).code).toBe(0);
    expect((await cli("keys", "generate", "--use", "registry", "--out", keys)).code).toBe(0);
    expect((await cli("plugin", "init", "acme-widgets", "--provider", "acme", "--dir", join(work, "acme-widgets"))).code).toBe(0);
    expect(
      (await cli("plugin", "sign", "--key", join(keys, "publisher.key"), "--out", join(work, "dist"), join(work, "acme-widgets"))).code,
    ).toBe(0);
    expect(
      (
        await cli(
          "registry",
          "build",
          "--key",
          join(keys, "registry.key"),
          "--publisher",
          join(keys, "publisher.pub.json"),
          "--out",
          join(work, "r"),
          join(work, "dist", "acme-widgets"),
        )
      ).code,
    ).toBe(0);
    const result = await cli(
      "plugin",
      "install",
      "acme-widgets",
      "--registry",
      join(work, "r"),
      "--registry-key",
      join(keys, "registry.pub.json"),
      "--trust",
      join(keys, "publisher.pub.json"),
      "--dir",
      project,
      "--local-only",
    );
    expect(result, result.err).toMatchObject({ code: 0 });
    expect(result.out).toContain("not added to any deployment config (--local-only): npm start only");
    expect(existsSync(join(project, "infra", "credvend.config.yaml"))).toBe(false);
    const removed = await cli("plugin", "remove", "acme-widgets", "--dir", project);
    expect(removed.out).toContain("no rule allows acme any more");
  }, 180_000);

  it("keys generate refuses a name that is a path, and an unknown use", async () => {
    const dir = mkdtempSync(join(tmpdir(), "credvend-flow-keys-"));
    expect(await cli("keys", "generate", "--name", "../x", "--out", dir)).toMatchObject({
      code: 2,
      err: expect.stringContaining("key name"),
    });
    expect(await cli("keys", "generate", "--use", "root", "--out", dir)).toMatchObject({
      code: 2,
      err: expect.stringContaining("must be publisher or registry"),
    });
  });
});
