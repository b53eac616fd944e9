// Node's permission model, as the local host confines an installed worker with it: reads of its
// own unpacked folder (and the host script) only, no writes, no child processes, no worker
// threads, no native addons. Node 20 calls it --experimental-permission; it is --permission where
// stable. A Node without either cannot confine a worker, and the host says so instead of pretending.

export type PermissionFlag = "--permission" | "--experimental-permission";

/** The flag this Node enables the permission model with, or undefined when it has none. */
export function permissionFlag(flags: ReadonlySet<string> = process.allowedNodeEnvironmentFlags): PermissionFlag | undefined {
  if (flags.has("--permission")) return "--permission";
  if (flags.has("--experimental-permission")) return "--experimental-permission";
  return undefined;
}

export class SandboxUnavailableError extends Error {
  override readonly name = "SandboxUnavailableError";
}

/** Why installed workers do not run without --unsandboxed-plugins on this Node. */
export function sandboxUnavailableMessage(): string {
  return (
    `this Node (${process.version}) has no permission model (--permission / --experimental-permission), so an installed ` +
    "worker would run with every file of this machine readable (the dev issuer key, the ledger, your credentials) and " +
    "could start processes: installed workers are not started. Use Node 20 or newer, or pass --unsandboxed-plugins to run " +
    "them anyway (each in its own process with its own caller secret and a minimal environment, but unconfined)"
  );
}

/**
 * Node options for one worker process. `readable` are the only paths it may read. Node 20 splits
 * --allow-fs-read values at commas, so a path with a comma could widen the grant: refused. A Node
 * whose permission model also covers the network (--allow-net) gets it: a worker listens and
 * calls its upstream, as on Lambda.
 */
export function sandboxArgs(
  flag: PermissionFlag | undefined,
  readable: readonly string[],
  flags: ReadonlySet<string> = process.allowedNodeEnvironmentFlags,
): string[] {
  const common = ["--no-addons", ...(flags.has("--disable-warning") ? ["--disable-warning=ExperimentalWarning"] : [])];
  if (!flag) return common;
  for (const path of readable) if (path.includes(",")) throw new SandboxUnavailableError(`${path}: a path with a comma cannot be granted`);
  return [flag, ...readable.map((path) => `--allow-fs-read=${path}`), ...(flags.has("--allow-net") ? ["--allow-net"] : []), ...common];
}
