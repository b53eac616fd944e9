// How the local host confines an installed Python worker. Node's permission model does not apply
// to Python, so the OS does it: bubblewrap (Debian's `bubblewrap`) gives the worker a filesystem
// of its own unpacked folder and what Python itself needs (the interpreter, its stdlib and
// dist-packages, shared libraries, CA certificates and resolver files), all read-only; a new user
// namespace (an unprivileged uid, no capabilities), PID namespace (its /proc shows no parent),
// IPC and UTS namespaces, its own session; the network is shared (it listens on loopback and
// calls its upstream). Where bwrap is missing or cannot create namespaces here, the host refuses
// to start Python workers without --unsandboxed-plugins, and says why.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** The interpreter installed Python workers run on (Debian's, with python3-protobuf). */
export const PYTHON = "/usr/bin/python3";
const BWRAP = "/usr/bin/bwrap";
/** Isolated mode (no PYTHON* variables, no user site, no script dir on sys.path); no .pyc writes. */
const PYTHON_FLAGS = ["-I", "-B"];
/** Where the worker's folder appears inside its sandbox: no path of ours (the data dir) shows. */
const WORKER_DIR = "/worker";
/** Read-only when present: TLS roots and name resolution for the worker's upstream calls. */
const SYSTEM_FILES = ["/etc/ssl/certs", "/usr/share/ca-certificates", "/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf"];

export interface PythonSandbox {
  readonly bwrap: string;
  /** The interpreter's real file (PYTHON is a symlink to it), mounted at PYTHON. */
  readonly interpreter: string;
  /** Folders and files the worker may read besides its own: the interpreter and its libraries. */
  readonly readable: readonly string[];
}

/** bwrap, if it confines a Python process on this machine; else why not. Probed by running it. */
export function pythonSandbox(): PythonSandbox | { readonly unavailable: string } {
  if (!existsSync(BWRAP)) return { unavailable: `${BWRAP} is not installed (Debian: apt-get install bubblewrap)` };
  const layout = spawnSync(PYTHON, [...PYTHON_FLAGS, "-c", LAYOUT_SCRIPT], { encoding: "utf8", env: {} });
  if (layout.status !== 0) return { unavailable: `${PYTHON} does not run: ${(layout.stderr || String(layout.error)).trim()}` };
  const [interpreter = PYTHON, ...paths] = JSON.parse(layout.stdout) as string[];
  const sandbox = { bwrap: BWRAP, interpreter, readable: paths.filter((path) => existsSync(path)) };
  const probe = spawnSync(BWRAP, [...bwrapArgs(sandbox, undefined), PYTHON, ...PYTHON_FLAGS, "-c", "import google.protobuf"], {
    encoding: "utf8",
    env: {},
  });
  if (probe.status !== 0)
    return { unavailable: `${BWRAP} cannot confine a Python worker here: ${(probe.stderr || String(probe.error)).trim()}` };
  return sandbox;
}

/** The interpreter's real file, its sys.path folders and its shared-library folders. */
const LAYOUT_SCRIPT = `
import json, os, sys, sysconfig
arch = sysconfig.get_config_var("MULTIARCH") or ""
paths = [os.path.realpath(sys.executable)] + [p for p in sys.path if os.path.isdir(p)]
paths += ["/usr/lib/" + arch if arch else "/usr/lib", "/usr/lib64"]
print(json.dumps(paths))
`;

/** bwrap's options for a worker whose unpacked folder is `dir` (read-only at WORKER_DIR, its working directory). */
function bwrapArgs(sandbox: PythonSandbox, dir: string | undefined): string[] {
  const binds = [...sandbox.readable, ...SYSTEM_FILES.filter((path) => existsSync(path))].flatMap((path) => ["--ro-bind", path, path]);
  return [
    ...binds,
    ...["--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64"],
    ...(dir === undefined ? [] : ["--ro-bind", dir, WORKER_DIR]),
    ...["--ro-bind", sandbox.interpreter, PYTHON],
    ...["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev", "--remount-ro", "/", "--chdir", dir === undefined ? "/" : WORKER_DIR],
    ...["--unshare-user", "--uid", "65534", "--gid", "65534", "--cap-drop", "ALL"],
    ...["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--new-session", "--die-with-parent"],
  ];
}

/**
 * The command that runs the Python worker unpacked in `dir` (its __main__.py, as `python3 code.zip`
 * would) in the host mode of the SDK's run_loopback: caller secret on stdin, a JSON ready line.
 * Without a sandbox (--unsandboxed-plugins) it is the bare interpreter, in isolated mode still.
 */
export function pythonWorkerCommand(sandbox: PythonSandbox | undefined, dir: string): { command: string; args: string[] } {
  const main = (folder: string) => [...PYTHON_FLAGS, folder, "--port", "0", "--caller-secret-stdin"];
  if (!sandbox) return { command: PYTHON, args: main(dir) };
  return { command: sandbox.bwrap, args: [...bwrapArgs(sandbox, dir), "--", PYTHON, ...main(WORKER_DIR)] };
}

/** Why installed Python workers do not run without --unsandboxed-plugins on this machine. */
export function pythonSandboxUnavailableMessage(reason: string): string {
  return (
    `installed Python workers are confined with bubblewrap, and ${reason}: without it a Python worker would run with ` +
    "every file of this machine readable (the dev issuer key, the ledger, your credentials): installed workers are not " +
    "started. Install bubblewrap, or pass --unsandboxed-plugins to run them anyway (each in its own process with its own " +
    "caller secret and a minimal environment, but unconfined)"
  );
}
