// `credvend plugin install <name>[@version] --registry <url|path>`: every check first — the index
// signature by the pinned registry key, the entry's protocol version, the publisher's manifest
// signature by a key the operator trusts, no clash with an installed or configured worker, the
// artifact's SHA-256 — and only then any write: plugins/<name>/<version>/, credvend.plugins.json,
// and the deployment config. A failure leaves the disk as it was.
import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { codeSha256Of } from "../../functions/adapters/plugins/file-code-hash.js";
import { checkManifestSignature, TrustStore } from "../../functions/core/plugin-trust/index.js";
import { protocolCompatibility } from "../../plugin-protocol/protocol-version.js";
import { CliError } from "../cli-error.js";
import { MANIFEST_FILE, SIGNATURE_FILE } from "../signed-manifest-files.js";
import { addInstalledWorker } from "./deployment-config-edit.js";
import { installedPluginsText, PLUGINS_DIR, type InstalledPlugin } from "./installed-plugins.js";
import { ProjectFiles, projectOptions, type ProjectOptionValues } from "./project-files.js";
import { newestFirst, type RegistryVersion } from "./registry-index.js";
import { loadRegistry, registryOptions, type RegistryOptionValues } from "./registry-options.js";

/** The workers `npm start` always runs: an installed worker may take neither their names nor their providers. */
const LOCAL_STACK_WORKERS = [
  { name: "local-tokens", providers: ["local"] },
  { name: "aws-sts", providers: ["aws"] },
  { name: "github", providers: ["github"] },
];

export const PLUGIN_INSTALL_USAGE = `credvend plugin install — install a signed worker from a registry

Usage: credvend plugin install <name>[@version] --registry <url|path> --registry-key <registry.pub.json>
                              [--trust <publisher.pub.json>…] [--dir DIR] [--config FILE]

Checks, before anything is written: the index signature (by --registry-key), the version's
protocol (same major as this credvend), the publisher's signature over the manifest (by a key
in --trust or the deployment config's trustedKeys), no clash with an installed or configured
worker (name or provider), and the artifact's SHA-256 (the manifest's codeSha256). Then writes
<dir>/${PLUGINS_DIR}/<name>/<version>/ (code.zip, manifest.json, manifest.sig), records it in
<dir>/credvend.plugins.json (npm start runs it), and adds it to the deployment config as a
custom worker deployed from that zip, with the publisher's key in trustedKeys (the next cdk deploy
runs it). Without a version, the newest. Any failure changes nothing on disk.

Options:
${registryOptions.usage}
  --trust FILE          A publisher key you trust (publisher.pub.json); repeatable
${projectOptions.usage}
  -h, --help            Show this help
`;

export async function runPluginInstall(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      ...registryOptions.options,
      ...projectOptions.options,
      trust: { type: "string", multiple: true },
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
  const [name, wanted] = positionals[0]!.split("@") as [string, string | undefined];
  const project = new ProjectFiles(values as ProjectOptionValues);
  const { index, source } = await loadRegistry(values as RegistryOptionValues);

  const versions = index.plugins[name]?.versions;
  if (!versions) throw new CliError(`registry ${source.location} has no plugin "${name}" (credvend plugin search)`);
  const version = wanted ?? newestFirst(Object.keys(versions))[0]!;
  const entry = versions[version];
  if (!entry)
    throw new CliError(
      `registry ${source.location} has no ${name}@${version} (versions: ${newestFirst(Object.keys(versions)).join(", ")})`,
    );

  const compatibility = protocolCompatibility(entry.protocolVersion);
  if (!compatibility.compatible) throw new CliError(`${name}@${version} ${compatibility.detail}: it cannot be installed`);
  const trust = TrustStore.fromConfig(project.trustedKeys(values.trust ?? []));
  const checked = await checkManifestSignature({ manifest: entry.manifest, signature: entry.signature }, trust);
  if (!checked.ok)
    throw new CliError(
      checked.reason === "unknown_key"
        ? `${name}@${version} is published by key ${entry.publisherKeyId}, which you do not trust (pass its publisher.pub.json with --trust after checking it with the publisher)`
        : `${name}@${version}: the publisher's signature is not valid (${checked.reason}: ${checked.detail})`,
    );
  checkNoClash(name, entry, project);

  const zip = await source.readArtifact(entry.artifact).catch((error: unknown) => {
    throw new CliError((error as Error).message);
  });
  const sha256 = codeSha256Of(zip);
  if (sha256 !== checked.manifest.codeSha256)
    throw new CliError(
      `${name}@${version}: the artifact's SHA-256 is ${sha256}, not the signed ${checked.manifest.codeSha256}; refusing it`,
    );

  const dir = join(PLUGINS_DIR, name, version);
  const publisher = { keyId: entry.publisherKeyId, publicKey: trustedKeyText(trust, entry.publisherKeyId) };
  const config = project.deploymentConfig();
  const configEdit = config
    ? addInstalledWorker(
        config.text,
        config.path,
        {
          name,
          providers: checked.manifest.providers,
          zip: relative(dirname(config.path), join(project.dir, dir, "code.zip")),
          handler: checked.manifest.handler,
        },
        publisher,
      )
    : undefined;
  const record: InstalledPlugin = {
    name,
    version,
    protocolVersion: entry.protocolVersion,
    providers: checked.manifest.providers,
    registry: source.location,
    publisher,
    codeSha256: sha256,
    dir,
    installedAt: new Date().toISOString(),
    ...(config ? { deploymentConfig: relative(project.dir, config.path), addedTrustedKey: configEdit!.addedTrustedKey } : {}),
  };

  const created = writePluginDir(join(project.dir, dir), zip, entry);
  project.writeAll(
    [
      { path: project.pluginsFile, text: installedPluginsText({ version: 1, plugins: [...project.installed().plugins, record] }) },
      ...(config && configEdit ? [{ path: config.path, text: configEdit.text }] : []),
    ],
    () => rmSync(created, { recursive: true, force: true }),
  );

  process.stdout.write(
    `installed ${name} ${version} (protocol ${entry.protocolVersion}, providers ${checked.manifest.providers.join(", ")}, publisher ${entry.publisherKeyId})\n` +
      `  code      ${join(dir, "code.zip")} (sha256 ${sha256})\n` +
      `  recorded  ${project.pluginsFile}: npm start runs it\n` +
      (config
        ? `  deploy    added to ${config.path}${configEdit!.addedTrustedKey ? " with its publisher's key in trustedKeys" : ""}: the next cdk deploy runs it\n`
        : "  deploy    no deployment config found (--config): add it to workers as a custom worker with package.zip\n") +
      `  policy    allow its scopes (${checked.manifest.providers.map((p) => `${p}:…`).join(", ")}) in a rule before vending\n`,
  );
  return 0;
}

function checkNoClash(name: string, entry: RegistryVersion, project: ProjectFiles): void {
  const installed = project
    .installed()
    .plugins.map((p) => ({ name: p.name, providers: p.providers, where: `installed ${p.name} ${p.version}` }));
  const configured = project.configuredWorkers().map((w) => ({ ...w, where: `worker ${w.name} of the deployment config` }));
  const builtIn = LOCAL_STACK_WORKERS.map((w) => ({ ...w, where: `the local stack's ${w.name} worker` }));
  for (const other of [...installed, ...configured, ...builtIn]) {
    if (other.name === name)
      throw new CliError(
        `${name} clashes with ${other.where} (same name)${other.where.startsWith("installed") ? ": remove it first" : ""}`,
      );
    const shared = entry.providers.filter((p) => other.providers.includes(p));
    if (shared.length > 0) throw new CliError(`${name} serves provider ${shared.join(", ")}, which ${other.where} already serves`);
  }
}

/**
 * Writes the worker's folder through a temporary sibling and one rename, so it is whole or absent.
 * Returns the outermost folder it created (what undoing it removes).
 */
function writePluginDir(target: string, zip: Uint8Array, entry: RegistryVersion): string {
  const created = mkdirSync(dirname(target), { recursive: true });
  const temporary = join(dirname(target), `.${randomBytes(6).toString("hex")}.tmp`);
  mkdirSync(temporary);
  try {
    writeFileSync(join(temporary, "code.zip"), zip);
    writeFileSync(join(temporary, MANIFEST_FILE), `${JSON.stringify(entry.manifest, null, 2)}\n`);
    writeFileSync(join(temporary, SIGNATURE_FILE), `${entry.signature}\n`);
    renameSync(temporary, target);
    return created ?? target;
  } catch (error) {
    rmSync(created ?? temporary, { recursive: true, force: true });
    throw new CliError(`cannot write ${target}: ${(error as Error).message}`);
  }
}

function trustedKeyText(trust: TrustStore, keyId: string): string {
  return Buffer.from(trust.get(keyId)!.publicKey).toString("base64");
}
