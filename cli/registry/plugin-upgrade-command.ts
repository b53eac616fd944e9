// `credvend plugin upgrade <name>[@version]`: replaces an installed worker by another version of
// the registry, in place and all or nothing. The same checks as install (index signature and
// freshness, protocol, publisher signature, clashes, artifact SHA-256) run before any write; a
// version older than the installed one needs --allow-downgrade. After the write, the deployment
// config is checked as synth would check it: a problem the new version brings rolls everything back.
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { TrustStore } from "../../functions/core/plugin-trust/index.js";
import { compareSemver } from "../../functions/core/plugin-trust/semver.js";
import { CliError } from "../cli-error.js";
import { updateInstalledWorker, withTrustedKey } from "./deployment-config-edit.js";
import { installedPluginsText, PLUGINS_DIR, type InstalledPlugin } from "./installed-plugins.js";
import { ProjectFiles, projectOptions, type ProjectOptionValues } from "./project-files.js";
import { checkEntry, checkNoClash, fetchArtifact, findEntry, parsePluginArgument, trustedKeyOf, writePluginDir } from "./registry-entry.js";
import { acceptedRegistriesText, acceptIndex } from "./registry-freshness.js";
import { loadRegistry, registryOptions } from "./registry-options.js";

export const PLUGIN_UPGRADE_USAGE = `credvend plugin upgrade — replace an installed worker by another version

Usage: credvend plugin upgrade <name>[@version] --registry-key <registry.pub.json> [--registry <url|path>]
                              [--trust <publisher.pub.json>…] [--allow-downgrade] [--dir DIR]

Without a version, the registry's newest. The registry is the one it was installed from unless
--registry names another (a mirror). Runs every check of credvend plugin install first (index
signature and freshness, protocol, publisher signature, clashes, artifact SHA-256); a version
older than the installed one is refused unless --allow-downgrade. Then replaces, in place:
plugins/<name>/<version>/, its record in credvend.plugins.json, the serial in
credvend.registries.json, and package.zip/handler of its worker in the deployment config it was
added to (its other settings stay). The deployment config is then checked as cdk synth checks it;
a problem the new version brings (e.g. an environment variable it no longer allows) rolls every
change back. All or nothing.

Options:
${registryOptions.usage}
  --trust FILE          A publisher key you trust (publisher.pub.json); repeatable
  --allow-downgrade     Allow a version older than the installed one
  --dir DIR             The project (default: the current folder)
  -h, --help            Show this help
`;

export async function runPluginUpgrade(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      ...registryOptions.options,
      dir: projectOptions.options.dir,
      trust: { type: "string", multiple: true },
      "allow-downgrade": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(PLUGIN_UPGRADE_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError("give one installed plugin: credvend plugin upgrade <name>[@version]", 2);
  const { name, version: wanted } = parsePluginArgument(positionals[0]!);
  const base = new ProjectFiles((values.dir === undefined ? {} : { dir: values.dir }) as ProjectOptionValues);
  const installed = base.installed().plugins.find((p) => p.name === name);
  if (!installed) throw new CliError(`${name} is not installed here (${base.pluginsFile}): credvend plugin install ${positionals[0]}`);
  // The deployment config it was added to, and no other.
  const configPath = installed.deploymentConfig === undefined ? undefined : resolve(base.dir, installed.deploymentConfig);
  if (configPath !== undefined && !existsSync(configPath))
    throw new CliError(`${configPath}: the deployment config ${name} was added to is gone; restore it first`);
  const project = new ProjectFiles({ dir: base.dir, ...(configPath ? { config: configPath } : {}) });
  const now = new Date();
  const registry = values.registry ?? installed.registry;
  const { index, source, sha256: indexSha } = await loadRegistry({ ...values, registry }, project, now);
  const { version, entry } = findEntry(index, source, name, wanted);
  const order = compareSemver(version, installed.version);
  if (order === 0) {
    process.stdout.write(`${name} ${version} is installed already: nothing to do\n`);
    return 0;
  }
  if (order < 0 && !values["allow-downgrade"])
    throw new CliError(
      `${name}@${version} is older than the installed ${installed.version}: refusing a downgrade (pass --allow-downgrade if you mean it)`,
    );

  const trust = TrustStore.fromConfig(project.trustedKeys(values.trust ?? []));
  const manifest = await checkEntry(name, version, entry, trust);
  if ([...manifest.providers].sort().join() !== [...installed.providers].sort().join())
    throw new CliError(
      `${name}@${version} serves providers [${manifest.providers.join(", ")}], the installed ${installed.version} [${installed.providers.join(", ")}]: ` +
        "the policy and the deployment config name providers, so remove it and install the new version instead",
    );
  checkNoClash(name, manifest.providers, project, name);
  const { zip, sha256 } = await fetchArtifact(source, name, version, entry, manifest);

  const dir = join(PLUGINS_DIR, name, version);
  const publisher = trustedKeyOf(trust, entry.publisherKeyId);
  const files = [
    {
      path: project.pluginsFile,
      text: installedPluginsText({
        version: 1,
        plugins: project.installed().plugins.map(
          (p): InstalledPlugin =>
            p.name === name
              ? {
                  ...p,
                  version,
                  protocolVersion: entry.protocolVersion,
                  registry: source.location,
                  publisher,
                  codeSha256: sha256,
                  dir,
                  installedAt: now.toISOString(),
                }
              : p,
        ),
      }),
    },
    {
      path: project.registriesFile,
      text: acceptedRegistriesText(acceptIndex(project.acceptedRegistries(), index, indexSha, source.location, now)),
    },
  ];
  let addedKey = false;
  // Only the config install added it to (none for --local-only): another config does not deploy it.
  const config = configPath === undefined ? undefined : project.deploymentConfig();
  if (config) {
    const zipPath = relative(dirname(config.path), join(project.dir, dir, "code.zip"));
    const keyed = withTrustedKey(
      updateInstalledWorker(config.text, config.path, name, { zip: zipPath, handler: manifest.handler }),
      config.path,
      publisher,
    );
    addedKey = keyed.addedTrustedKey;
    files.push({ path: config.path, text: keyed.text });
  }
  const previous = files.map(({ path }) => ({ path, text: existsSync(path) ? readFileSync(path, "utf8") : undefined }));
  const baseline = config ? await synthProblems(config.path) : [];

  const created = writePluginDir(join(project.dir, dir), zip, entry);
  const undoFolder = () => rmSync(created, { recursive: true, force: true });
  project.writeAll(files, undoFolder);
  const brought = config ? (await synthProblems(config.path)).filter((problem) => !baseline.includes(problem)) : [];
  if (brought.length > 0) {
    rollBack(project, previous);
    undoFolder();
    throw new CliError(
      `${name}@${version} fails the deployment config's checks, so the upgrade was rolled back (${installed.version} stays):\n  - ${brought.join("\n  - ")}`,
    );
  }
  removeOld(join(project.dir, installed.dir));
  process.stdout.write(
    `${order < 0 ? "downgraded" : "upgraded"} ${name} ${installed.version} → ${version} (protocol ${entry.protocolVersion}, publisher ${entry.publisherKeyId})\n` +
      `  code      ${join(dir, "code.zip")} (sha256 ${sha256}); ${installed.dir} removed\n` +
      `  registry  serial ${index.serial} (expires ${index.expiresAt}) recorded in ${project.registriesFile}\n` +
      (config
        ? `  deploy    ${config.path} now deploys ${version}${addedKey ? " (its publisher's key added to trustedKeys)" : ""}; checked as synth checks it\n`
        : "") +
      (installed.publisher.keyId !== publisher.keyId
        ? `  publisher changed from ${installed.publisher.keyId} to ${publisher.keyId}: drop the old key from trustedKeys by hand if nothing else uses it\n`
        : ""),
  );
  return 0;
}

/** The deployment config's problems as synth reports them (loaded lazily: the CDK config code is large). */
async function synthProblems(path: string): Promise<string[]> {
  const { DeploymentConfigError, loadDeploymentConfig } = await import("../../infra/config/load-config.js");
  try {
    await loadDeploymentConfig(path);
    return [];
  } catch (error) {
    if (error instanceof DeploymentConfigError) return [...error.problems];
    throw error;
  }
}

function rollBack(project: ProjectFiles, previous: readonly { path: string; text: string | undefined }[]): void {
  const existing = previous.filter((file): file is { path: string; text: string } => file.text !== undefined);
  project.writeAll(existing, () => {});
  for (const { path, text } of previous) if (text === undefined) rmSync(path, { force: true });
}

/** The old version's folder goes once everything else is written. */
function removeOld(folder: string): void {
  const aside = `${folder}.removing`;
  if (!existsSync(folder)) return;
  renameSync(folder, aside);
  rmSync(aside, { recursive: true, force: true });
}
