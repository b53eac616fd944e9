import { runAudit } from "./audit/audit-command.js";
import { CliError } from "./cli-error.js";
import { runDev } from "./dev-command.js";
import { runDevToken } from "./dev-token-command.js";
import { runKeysGenerate } from "./keys-command.js";
import { runPluginInit } from "./plugin-init-command.js";
import { runPluginList } from "./plugin-list-command.js";
import { runPluginSign, runPluginVerify } from "./plugin-command.js";
import { runVend } from "./vend-command.js";
import { runOidcRefresh } from "./oidc-refresh-command.js";
import { runDevLeak } from "./dev-leak-command.js";
import { runRegistryBuild } from "./registry/registry-build-command.js";
import { runPluginSearch } from "./registry/plugin-search-command.js";
import { runPluginInstall } from "./registry/plugin-install-command.js";
import { runPluginRemove } from "./registry/plugin-remove-command.js";
import { runPolicyCheck } from "./policy-check-command.js";
import { runPolicyExplain } from "./policy-explain-command.js";

/** One CLI command: `words` is how it is invoked (`["dev", "token"]`), `run` gets the rest. */
interface Command {
  readonly words: readonly string[];
  readonly summary: string;
  readonly run: (argv: readonly string[]) => Promise<number>;
}

// Longest match wins, so `dev token` is found before `dev`. Add new commands here, one line each.
const COMMANDS: readonly Command[] = [
  { words: ["dev"], summary: "Run the whole stack locally (same as `npm start`)", run: runDev },
  { words: ["dev", "token"], summary: "Mint a dev OIDC token for the local stack", run: runDevToken },
  { words: ["keys", "generate"], summary: "Create an Ed25519 publisher key pair for signing workers", run: runKeysGenerate },
  { words: ["plugin", "init"], summary: "Create a worker skeleton with a passing test", run: runPluginInit },
  { words: ["plugin", "list"], summary: "Installed and registered workers: verified, unsigned or refused, and why", run: runPluginList },
  { words: ["plugin", "search"], summary: "List the workers a signed registry offers", run: runPluginSearch },
  { words: ["plugin", "install"], summary: "Install a signed worker from a registry into this project", run: runPluginInstall },
  { words: ["plugin", "remove"], summary: "Uninstall a worker installed from a registry", run: runPluginRemove },
  { words: ["plugin", "sign"], summary: "Sign a worker's zip: manifest.json + manifest.sig", run: runPluginSign },
  { words: ["plugin", "verify"], summary: "Check a signed worker against trusted keys and its zip", run: runPluginVerify },
  { words: ["registry", "build"], summary: "Publish signed workers into a registry folder with a signed index", run: runRegistryBuild },
  { words: ["vend"], summary: "In CI: get a short-lived credential with the job's OIDC token", run: runVend },
  {
    words: ["oidc-refresh"],
    summary: "In CI: keep the job's OIDC token file fresh (started by vend --format container)",
    run: runOidcRefresh,
  },
  { words: ["dev", "leak"], summary: "Report a secret as leaked to the local stack, signed like GitHub", run: runDevLeak },
  { words: ["audit"], summary: "Ask the ledger: a leaked token, a credential, a repository, events", run: runAudit },
  {
    words: ["policy", "check"],
    summary: "Lint a central or a target trust policy (line and column; name-anchor warnings)",
    run: runPolicyCheck,
  },
  { words: ["policy", "explain"], summary: "Why a vend would be allowed or refused, per scope", run: runPolicyExplain },
];

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.words.join(" ").length));
  const lines = COMMANDS.map((c) => `  credvend ${c.words.join(" ").padEnd(width)}  ${c.summary}`);
  return `credvend — short-lived credentials for CI pipelines

Usage:
${lines.join("\n")}
  credvend help

Run \`credvend <command> --help\` for a command's options.
`;
}

function findCommand(argv: readonly string[]): { command: Command; rest: readonly string[] } | undefined {
  const matches = COMMANDS.filter((c) => c.words.every((word, i) => argv[i] === word));
  const command = matches.sort((a, b) => b.words.length - a.words.length)[0];
  return command && { command, rest: argv.slice(command.words.length) };
}

/** Runs one CLI invocation and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === "help" || first === "--help" || first === "-h") {
    const target = first === "help" ? findCommand(argv.slice(1)) : undefined;
    if (target) return target.command.run(["--help"]);
    process.stdout.write(usage());
    return first === undefined ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    process.stderr.write(`credvend: unknown command "${argv.join(" ")}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await found.command.run(found.rest);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`credvend: ${err.message}\n`);
      return err.exitCode;
    }
    // parseArgs reports unknown or malformed options with this code: a usage error, not a crash.
    if ((err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`credvend: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
}
