import type { WorkerConfig } from "./schema.js";
import type { ResolvedPackage } from "./signed-package.js";

/** A worker of the deployment config, with what synth found for it on disk. */
export interface ResolvedWorker extends WorkerConfig {
  /** Absolute path of the Lambda entry when bundled at synth. */
  readonly entryPath?: string;
  /** The signed zip deployed as is, when configured. */
  readonly signed?: ResolvedPackage;
}
