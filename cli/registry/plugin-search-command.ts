// `credvend plugin search [term] --registry <url|path>`: what a registry offers, newest version
// first, each with its protocol compatibility and whether you trust its publisher.
import { parseArgs } from "node:util";
import { protocolCompatibility } from "../../plugin-protocol/protocol-version.js";
import { CliError } from "../cli-error.js";
import { ProjectFiles, projectOptions, type ProjectOptionValues } from "./project-files.js";
import { newestFirst } from "./registry-index.js";
import { loadRegistry, registryOptions, type RegistryOptionValues } from "./registry-options.js";

export const PLUGIN_SEARCH_USAGE = `credvend plugin search — list the workers a registry offers

Usage: credvend plugin search [term] --registry <url|path> --registry-key <registry.pub.json>
                             [--trust <publisher.pub.json>…] [--dir DIR] [--config FILE]

Checks the index signature and freshness (not expired, serial not below the one this project
accepted: credvend.registries.json; search itself records nothing), then lists every version whose name or provider contains <term>
(all without one), newest first: protocol version (and whether this credvend speaks it),
providers, and the publisher's key id, "verified" when you trust that key (--trust or the
deployment config's trustedKeys), "unverified" otherwise.

Options:
${registryOptions.usage}
  --trust FILE          A publisher key you trust (publisher.pub.json); repeatable
${projectOptions.usage}
  -h, --help            Show this help
`;

export async function runPluginSearch(argv: readonly string[]): Promise<number> {
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
    process.stdout.write(PLUGIN_SEARCH_USAGE);
    return 0;
  }
  if (positionals.length > 1) throw new CliError("give at most one search term", 2);
  const term = (positionals[0] ?? "").toLowerCase();
  const project = new ProjectFiles(values as ProjectOptionValues);
  const trusted = new Set(project.trustedKeys(values.trust ?? []).map((key) => key.keyId));
  const { index, source } = await loadRegistry(values as RegistryOptionValues, project);
  const rows: string[][] = [];
  for (const name of Object.keys(index.plugins).sort()) {
    const versions = index.plugins[name]!.versions;
    for (const version of newestFirst(Object.keys(versions))) {
      const entry = versions[version]!;
      if (term && !name.includes(term) && !entry.providers.some((p) => p.includes(term))) continue;
      const compatible = protocolCompatibility(entry.protocolVersion).compatible;
      rows.push([
        name,
        version,
        `${entry.protocolVersion}${compatible ? "" : " (incompatible)"}`,
        entry.providers.join(","),
        `${entry.publisherKeyId} ${trusted.has(entry.publisherKeyId) ? "verified" : "unverified"}`,
      ]);
    }
  }
  if (rows.length === 0) {
    process.stdout.write(
      `registry ${source.location} (signature verified, serial ${index.serial}) offers nothing${term ? ` matching "${term}"` : ""}\n`,
    );
    return 0;
  }
  const header = ["NAME", "VERSION", "PROTOCOL", "PROVIDERS", "PUBLISHER"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `${cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i]!) : c)).join("  ")}\n`;
  process.stdout.write(
    `registry ${source.location} (signature verified, serial ${index.serial}, expires ${index.expiresAt})\n${line(header)}${rows.map(line).join("")}`,
  );
  return 0;
}
