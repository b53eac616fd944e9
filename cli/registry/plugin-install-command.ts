// `credvend plugin install <name>[@version] --registry <url|path>`: every check first — the index
// signature by the pinned registry key and its freshness, the entry's protocol version, the
// publisher's manifest signature by a key the operator trusts, no clash with an installed or
// configured worker, the artifact's SHA-256 — and only then any write: plugins/<name>/<version>/,
// credvend.plugins.json, credvend.registries.json and the deployment config. A failure leaves the
// disk as it was.
import { rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { TrustStore } from "../../functions/core/plugin-trust/index.js";
import { compareSemver } from "../../functions/core/plugin-trust/semver.js";
import { CliError } from "../cli-error.js";
import { addInstalledWorker } from "./deployment-config-edit.js";
import { installedPluginsText, PLUGINS_DIR, type InstalledPlugin } from "./installed-plugins.js";
import { ProjectFiles, projectOptions, type ProjectOptionValues } from "./project-files.js";
import { checkEntry, checkNoClash, fetchArtifact, findEntry, parsePluginArgument, trustedKeyOf, writePluginDir } from "./registry-entry.js";
import { acceptedRegistriesText, acceptIndex } from "./registry-freshness.js";
import { loadRegistry, registryOptions, type RegistryOptionValues } from "./registry-options.js";

export const PLUGIN_INSTALL_USAGE = `credvend plugin install — install a signed worker from a registry

Usage: credvend plugin install <name>[@version] --registry <url|path> --registry-key <registry.pub.json>
                              [--trust <publisher.pub.json>…] [--dir DIR] [--config FILE] [--local-only]

Checks, before anything is written: the index signature (by --registry-key) and freshness (not
expired; its serial not below the one this project accepted, recorded in credvend.registries.json),
the version's protocol (same major as this credvend), the publisher's signature over the manifest
(by a key in --trust or the deployment config's trustedKeys), no clash with an installed or
configured worker (name or provider), and the artifact's SHA-256 (the manifest's codeSha256).
Then writes <dir>/${PLUGINS_DIR}/<name>/<version>/ (code.zip, manifest.json, manifest.sig), records
it in <dir>/credvend.plugins.json (npm start runs it) and the index's serial in
<dir>/credvend.registries.json (commit both), and adds it to the deployment config as a custom
worker deployed from that zip, with the publisher's key in trustedKeys (the next cdk deploy runs
it). Without a deployment config, <dir>/infra/credvend.config.yaml is created from
infra/credvend.config.example.yaml (edit it before deploying); --local-only installs for npm start
only. Without a version, the newest. Versions are semver. An installed worker is replaced only by
credvend plugin upgrade. Any failure changes nothing on disk.

Options:
${registryOptions.usage}
  --trust FILE          A publisher key you trust (publisher.pub.json); repeatable
${projectOptions.usage}
  --local-only          Do not add it to a deployment config (npm start only)
  -h, --help            Show this help
`;

export async function runPluginInstall(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      ...registryOptions.options,
      ...projectOptions.options,
      trust: { type: "string", multiple: true },
      "local-only": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(PLUGIN_INSTALL_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError("give one plugin: credvend plugin install <name>[@version]", 2);
  if (values["local-only"] && values.config) throw new CliError("--local-only and --config exclude each other", 2);
  const { name, version: wanted } = parsePluginArgument(positionals[0]!);
  const project = new ProjectFiles(values as ProjectOptionValues);
  const now = new Date();
  const { index, source, sha256: indexSha } = await loadRegistry(values as RegistryOptionValues, project, now);
  const { version, entry, newest } = findEntry(index, source, name, wanted);
  refuseReinstall(project, name, version);

  const trust = TrustStore.fromConfig(project.trustedKeys(values.trust ?? []));
  const manifest = await checkEntry(name, version, entry, trust);
  checkNoClash(name, manifest.providers, project);
  const { zip, sha256 } = await fetchArtifact(source, name, version, entry, manifest);

  const dir = join(PLUGINS_DIR, name, version);
  const publisher = trustedKeyOf(trust, entry.publisherKeyId);
  const deployment = values["local-only"] ? undefined : project.deploymentConfigOrExample();
  const configEdit = deployment
    ? addInstalledWorker(
        deployment.text,
        deployment.path,
        {
          name,
          providers: manifest.providers,
          zip: relative(dirname(deployment.path), join(project.dir, dir, "code.zip")),
          handler: manifest.handler,
        },
        publisher,
      )
    : undefined;
  const record: InstalledPlugin = {
    name,
    version,
    protocolVersion: entry.protocolVersion,
    providers: manifest.providers,
    registry: source.location,
    publisher,
    codeSha256: sha256,
    dir,
    installedAt: now.toISOString(),
    ...(deployment && configEdit
      ? { deploymentConfig: relative(project.dir, deployment.path), addedTrustedKey: configEdit.addedTrustedKey }
      : {}),
  };

  const created = writePluginDir(join(project.dir, dir), zip, entry);
  project.writeAll(
    [
      { path: project.pluginsFile, text: installedPluginsText({ version: 1, plugins: [...project.installed().plugins, record] }) },
      {
        path: project.registriesFile,
        text: acceptedRegistriesText(acceptIndex(project.acceptedRegistries(), index, indexSha, source.location, now)),
      },
      ...(deployment && configEdit ? [{ path: deployment.path, text: configEdit.text }] : []),
    ],
    () => rmSync(created, { recursive: true, force: true }),
  );

  process.stdout.write(
    `installed ${name} ${version} (protocol ${entry.protocolVersion}, providers ${manifest.providers.join(", ")}, publisher ${entry.publisherKeyId})\n` +
      (version !== newest ? `  note      ${version} is older than the newest version, ${newest}\n` : "") +
      `  code      ${join(dir, "code.zip")} (sha256 ${sha256})\n` +
      `  recorded  ${project.pluginsFile}: npm start runs it\n` +
      `  registry  serial ${index.serial} (expires ${index.expiresAt}) recorded in ${project.registriesFile}: an older index is refused from now on\n` +
      deployNote(deployment, configEdit?.addedTrustedKey === true) +
      `  policy    allow its scopes (${manifest.providers.map((p) => `${p}:…`).join(", ")}) in a rule before vending\n` +
      "  commit    both files, the plugins/ folder and the deployment config\n",
  );
  return 0;
}

/** An installed name is replaced only by upgrade, which checks the direction. */
function refuseReinstall(project: ProjectFiles, name: string, version: string): void {
  const installed = project.installed().plugins.find((p) => p.name === name);
  if (!installed) return;
  const order = compareSemver(version, installed.version);
  if (order === 0) throw new CliError(`${name} ${version} is already installed`);
  throw new CliError(
    order < 0
      ? `${name}@${version} is older than the installed ${installed.version}: a downgrade is deliberate, run credvend plugin upgrade ${name}@${version} --allow-downgrade`
      : `${name} ${installed.version} is installed: run credvend plugin upgrade ${name}@${version}`,
  );
}

function deployNote(deployment: { path: string; created: boolean } | undefined, addedKey: boolean): string {
  if (!deployment) return "  deploy    not added to any deployment config (--local-only): npm start only\n";
  const key = addedKey ? " with its publisher's key in trustedKeys" : "";
  if (deployment.created)
    return (
      `  deploy    created ${deployment.path} from the example${key} and added it: edit stage, github.appId and notifications there,\n` +
      `            then npx cdk deploy -c config=${relative(process.cwd(), deployment.path) || deployment.path}\n`
    );
  return `  deploy    added to ${deployment.path}${key}: the next cdk deploy runs it\n`;
}
