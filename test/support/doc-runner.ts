// What test/e2e/docs-commands.test.ts needs to follow the docs as a reader does: a copy of the
// working tree to run them in, a shell that keeps the variables one command sets for the next, and
// `npm start` in the background, stopped with Ctrl-C (SIGINT to its process group).
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface RanCommand {
  readonly command: string;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Copies git's files of the working tree (tracked and new, not ignored) and links node_modules. */
export function copyWorkingTree(root: string, copy: string): void {
  const listed = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: root, encoding: "utf8" });
  for (const file of listed.split("\0").filter(Boolean)) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    try {
      cpSync(join(root, file), join(copy, file));
    } catch (error) {
      // A file deleted in the working tree but still in the index.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  symlinkSync(join(root, "node_modules"), join(copy, "node_modules"));
}

/** This process's environment without anything that would point the docs at another stack. */
export function cleanEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(CREDVEND_|GITHUB_|AWS_|ACTIONS_)/.test(name) && name !== "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED") continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

const SHELL_NAMES = new Set(["PWD", "OLDPWD", "SHLVL", "_"]);

/**
 * Runs one documented command in bash, in `cwd`, with the variables earlier commands set (kept in
 * `stateFile`, only the ones the commands themselves introduced) and `pbpaste` reading
 * $CREDVEND_DOC_CLIPBOARD.
 */
export function runShell(command: string, cwd: string, env: NodeJS.ProcessEnv, stateFile: string): Promise<Omit<RanCommand, "command">> {
  const script = [
    "set -a",
    `. "${stateFile}"`,
    `pbpaste() { printf '%s\\n' "$CREDVEND_DOC_CLIPBOARD"; }`,
    command,
    "__doc_status=$?",
    `export -p > "${stateFile}.all"`,
    "exit $__doc_status",
  ].join("\n");
  return new Promise((resolve) => {
    execFile("bash", ["-c", script], { cwd, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const exported = readFileSync(`${stateFile}.all`, "utf8").split("\n");
      const introduced = exported.filter((line) => {
        const name = /^declare -x ([A-Za-z_][A-Za-z0-9_]*)/.exec(line)?.[1];
        return name !== undefined && !(name in env) && !SHELL_NAMES.has(name);
      });
      writeFileSync(stateFile, `${introduced.join("\n")}\n`);
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface DocumentedStack {
  readonly url: string;
  output(): string;
  /** Ctrl-C: SIGINT to `npm start`'s process group; resolves with everything it printed. */
  stop(): Promise<string>;
  kill(): Promise<void>;
}

/** `npm start`, literally, in `cwd`; resolves once its banner names the vend API. */
export async function startDocumentedStack(cwd: string, env: NodeJS.ProcessEnv): Promise<DocumentedStack> {
  const child: ChildProcess = spawn("npm", ["start"], { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, name);
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no vend API within 60 s:\n${output}`)), 60_000);
    const look = () => {
      const match = /vend API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", look);
    child.once("exit", () => reject(new Error(`npm start exited:\n${output}`)));
  });
  return {
    url,
    output: () => output,
    stop: async () => {
      signal("SIGINT");
      await exited;
      return output;
    },
    kill: async () => {
      signal("SIGKILL");
      await exited;
    },
  };
}
