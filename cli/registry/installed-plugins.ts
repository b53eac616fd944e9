// credvend.plugins.json: what `credvend plugin install` put into this project, and from where, so
// `plugin remove` can undo exactly that and `npm start` runs the installed workers.
//   { "version": 1, "plugins": [ { name, version, … } ] }
import { existsSync, readFileSync } from "node:fs";
import type { TrustedKeyConfig } from "../../functions/core/plugin-trust/trust-store.js";

export const PLUGINS_FILE = "credvend.plugins.json";
/** Where installed workers live in a project: plugins/<name>/<version>/. */
export const PLUGINS_DIR = "plugins";

export interface InstalledPlugin {
  readonly name: string;
  readonly version: string;
  readonly protocolVersion: string;
  readonly providers: readonly string[];
  /** The registry as given to install (a path or URL). */
  readonly registry: string;
  /** The publisher's key, checked against the operator's trusted keys at install. */
  readonly publisher: TrustedKeyConfig;
  readonly codeSha256: string;
  /** The worker's folder, relative to the project: plugins/<name>/<version>. */
  readonly dir: string;
  readonly installedAt: string;
  /** The deployment config it was added to, relative to the project; absent when there was none. */
  readonly deploymentConfig?: string;
  /** Whether install added the publisher's key to that config's trustedKeys (remove takes it out again). */
  readonly addedTrustedKey?: boolean;
}

export interface InstalledPlugins {
  readonly version: 1;
  readonly plugins: readonly InstalledPlugin[];
}

/** Empty when the file does not exist; an unreadable file is an error, never silently empty. */
export function readInstalledPlugins(path: string): InstalledPlugins {
  if (!existsSync(path)) return { version: 1, plugins: [] };
  let value: { version?: unknown; plugins?: unknown };
  try {
    value = JSON.parse(readFileSync(path, "utf8")) as typeof value;
  } catch {
    throw new Error(`${path}: not valid JSON`);
  }
  if (value.version !== 1 || !Array.isArray(value.plugins))
    throw new Error(`${path}: not a credvend plugins file ({"version":1,"plugins":[...]})`);
  return value as InstalledPlugins;
}

export function installedPluginsText(record: InstalledPlugins): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}
