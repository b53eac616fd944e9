// `credvend plugin remove <name>`: undoes exactly what install did — its folder under plugins/,
// its line in credvend.plugins.json, its worker in the deployment config, and the publisher's key
// there if install added it and no other installed worker needs it.
import { existsSync, readFileSync, renameSync, rmdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { CliError } from "../cli-error.js";
import { removeInstalledWorker } from "./deployment-config-edit.js";
import { installedPluginsText } from "./installed-plugins.js";
import { policyFiles, policyLeftovers, leftoversText } from "./policy-leftovers.js";
import { ProjectFiles } from "./project-files.js";

export const PLUGIN_REMOVE_USAGE = `credvend plugin remove — uninstall a worker installed from a registry

Usage: credvend plugin remove <name> [--dir DIR]

Undoes what credvend plugin install did: removes <dir>/plugins/<name>/<version>/, its entry in
<dir>/credvend.plugins.json, and its worker in the deployment config it was added to (with the
publisher's key in trustedKeys, if install added that key and no other installed worker uses it).
Workers you configured yourself are not touched. Then names every rule of credvend.policy.yaml
(and of the policy the deployment config names) that still allows one of its providers: delete
those allow entries, or the next synth fails naming them. Its registry's serial stays recorded in
credvend.registries.json (an older index stays refused).

Options:
  --dir DIR     The project (default: the current folder)
  -h, --help    Show this help
`;

export async function runPluginRemove(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { dir: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(PLUGIN_REMOVE_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError("give one installed plugin's name", 2);
  const name = positionals[0]!;
  const project = new ProjectFiles(values.dir === undefined ? {} : { dir: values.dir });
  const installed = project.installed();
  const plugin = installed.plugins.find((p) => p.name === name);
  if (!plugin) throw new CliError(`${name} is not installed here (${project.pluginsFile}); credvend plugin list shows what is`);
  const others = installed.plugins.filter((p) => p !== plugin);

  const files = [{ path: project.pluginsFile, text: installedPluginsText({ version: 1, plugins: others }) }];
  let configNote = "";
  if (plugin.deploymentConfig !== undefined) {
    const path = resolve(project.dir, plugin.deploymentConfig);
    if (!existsSync(path)) throw new CliError(`${path}: the deployment config ${name} was added to is gone; restore it first`);
    const keyStillUsed = others.some((p) => p.publisher.keyId === plugin.publisher.keyId);
    const dropKey = plugin.addedTrustedKey === true && !keyStillUsed;
    files.push({ path, text: removeInstalledWorker(readFileSync(path, "utf8"), path, name, dropKey ? plugin.publisher.keyId : undefined) });
    configNote = `  deploy    removed from ${plugin.deploymentConfig}${dropKey ? " with the publisher's key it added" : ""}\n`;
  }
  // The folder goes aside first, so a failed write puts it back: all or nothing.
  const folder = join(project.dir, plugin.dir);
  const aside = join(dirname(folder), `.${plugin.version}.removing`);
  if (existsSync(folder)) renameSync(folder, aside);
  project.writeAll(files, () => existsSync(aside) && renameSync(aside, folder));
  rmSync(aside, { recursive: true, force: true });
  removeIfEmpty(dirname(folder));
  removeIfEmpty(dirname(dirname(folder)));
  const configPath =
    plugin.deploymentConfig === undefined ? project.deploymentConfig()?.path : resolve(project.dir, plugin.deploymentConfig);
  const leftovers = policyLeftovers(policyFiles(project.dir, configPath), plugin.providers);
  process.stdout.write(
    `removed ${name} ${plugin.version}\n  code      ${plugin.dir} deleted\n  recorded  npm start no longer runs it\n${configNote}` +
      leftoversText(leftovers, plugin.providers, project.dir),
  );
  return 0;
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (other versions or plugins): it stays.
  }
}
