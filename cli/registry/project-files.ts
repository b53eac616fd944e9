// The files of the project an operator installs workers into: credvend.plugins.json,
// credvend.registries.json (the registry serials accepted), plugins/, and the deployment config (default infra/credvend.config.yaml when it exists). Writes go
// through writeAll: all of them, or — if one fails — none.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { TrustedKeyConfig } from "../../functions/core/plugin-trust/trust-store.js";
import { REPO_ROOT } from "../../infra/paths.js";
import { CliError } from "../cli-error.js";
import { configuredTrustedKeys, configuredWorkers, DeploymentConfigEditError, type ConfiguredWorker } from "./deployment-config-edit.js";
import { PLUGINS_FILE, readInstalledPlugins, type InstalledPlugins } from "./installed-plugins.js";
import { readKeyFiles } from "./key-files.js";
import { readAcceptedRegistries, REGISTRIES_FILE, type AcceptedRegistries } from "./registry-freshness.js";

export const DEFAULT_DEPLOYMENT_CONFIG = join("infra", "credvend.config.yaml");
const EXAMPLE_DEPLOYMENT_CONFIG = join("infra", "credvend.config.example.yaml");

export const projectOptions = {
  options: { dir: { type: "string" }, config: { type: "string" } },
  usage: `  --dir DIR             The project (default: the current folder)
  --config FILE         The deployment config (default: <dir>/${DEFAULT_DEPLOYMENT_CONFIG} when it exists)`,
} as const;

export interface ProjectOptionValues {
  readonly dir?: string;
  readonly config?: string;
}

export class ProjectFiles {
  readonly dir: string;
  readonly pluginsFile: string;
  readonly registriesFile: string;
  private readonly configPath: string | undefined;

  constructor(values: ProjectOptionValues) {
    this.dir = resolve(values.dir ?? ".");
    this.pluginsFile = join(this.dir, PLUGINS_FILE);
    this.registriesFile = join(this.dir, REGISTRIES_FILE);
    if (values.config !== undefined && !existsSync(values.config)) throw new CliError(`--config ${values.config}: not found`, 2);
    const fallback = join(this.dir, DEFAULT_DEPLOYMENT_CONFIG);
    this.configPath = values.config !== undefined ? resolve(values.config) : existsSync(fallback) ? fallback : undefined;
  }

  installed(): InstalledPlugins {
    try {
      return readInstalledPlugins(this.pluginsFile);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  }

  acceptedRegistries(): AcceptedRegistries {
    try {
      return readAcceptedRegistries(this.registriesFile);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  }

  /** The deployment config's path and text, or undefined when the project has none. */
  deploymentConfig(): { path: string; text: string } | undefined {
    if (!this.configPath) return undefined;
    try {
      return { path: this.configPath, text: readFileSync(this.configPath, "utf8") };
    } catch (error) {
      throw new CliError(`${this.configPath}: cannot read it (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
  }

  /**
   * The deployment config to add a worker to; without one, the text of infra/credvend.config.example.yaml
   * (the project's, else this credvend's) to be written at the default path: `created` says so.
   */
  deploymentConfigOrExample(): { path: string; text: string; created: boolean } {
    const config = this.deploymentConfig();
    if (config) return { ...config, created: false };
    const own = join(this.dir, EXAMPLE_DEPLOYMENT_CONFIG);
    const example = existsSync(own) ? own : join(REPO_ROOT, EXAMPLE_DEPLOYMENT_CONFIG);
    try {
      return { path: join(this.dir, DEFAULT_DEPLOYMENT_CONFIG), text: readFileSync(example, "utf8"), created: true };
    } catch {
      throw new CliError(
        `no deployment config: ${join(this.dir, DEFAULT_DEPLOYMENT_CONFIG)} does not exist and there is no ${EXAMPLE_DEPLOYMENT_CONFIG} to start it from; pass --config FILE, or --local-only for npm start only`,
      );
    }
  }

  configuredWorkers(): ConfiguredWorker[] {
    const config = this.deploymentConfig();
    return config ? this.fromConfig(() => configuredWorkers(config.text, config.path)) : [];
  }

  /** The operator's trusted publisher keys: --trust files and the deployment config's trustedKeys. */
  trustedKeys(files: readonly string[]): TrustedKeyConfig[] {
    const config = this.deploymentConfig();
    const fromConfig = config ? this.fromConfig(() => configuredTrustedKeys(config.text, config.path)) : [];
    return [
      ...readKeyFiles(files, "--trust"),
      ...fromConfig.filter((key) => typeof key?.keyId === "string" && typeof key.publicKey === "string"),
    ];
  }

  /**
   * Replaces each file through a temporary sibling and a rename. If one fails, the files already
   * replaced get their old text back (or are removed if they were new) and `undo` runs.
   */
  writeAll(files: readonly { path: string; text: string }[], undo: () => void): void {
    const done: { path: string; previous: string | undefined }[] = [];
    try {
      for (const { path, text } of files) {
        const previous = existsSync(path) ? readFileSync(path, "utf8") : undefined;
        const temporary = `${path}.${process.pid}.tmp`;
        mkdirSync(dirname(path), { recursive: true }); // infra/ when the deployment config is created
        writeFileSync(temporary, text);
        renameSync(temporary, path);
        done.push({ path, previous });
      }
    } catch (error) {
      for (const { path } of files) rmSync(`${path}.${process.pid}.tmp`, { force: true });
      for (const { path, previous } of done.reverse()) {
        if (previous === undefined) rmSync(path, { force: true });
        else writeFileSync(path, previous);
      }
      undo();
      throw new CliError(`could not write the project's files, nothing was changed: ${(error as Error).message}`);
    }
  }

  private fromConfig<T>(read: () => T): T {
    try {
      return read();
    } catch (error) {
      if (error instanceof DeploymentConfigEditError) throw new CliError(error.message);
      throw error;
    }
  }
}
