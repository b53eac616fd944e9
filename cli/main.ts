import { AUDIT_QUESTIONS, runAudit } from "./audit/audit-command.js";
import { CliError } from "./cli-error.js";
import { runDev } from "./dev-command.js";
import { runDevToken } from "./dev-token-command.js";
import { runKeysGenerate } from "./keys-command.js";
import { runPluginInit } from "./plugin-init-command.js";
import { runPluginList } from "./plugin-list-command.js";
import { runPluginSign, runPluginVerify } from "./plugin-command.js";
import { runVend } from "./vend-command.js";
import { runRevoke } from "./revoke-command.js";
import { runDoctor } from "./doctor/doctor-command.js";
import { runOidcRefresh } from "./oidc-refresh-command.js";
import { runDevLeak } from "./dev-leak-command.js";
import { runRegistryBuild } from "./registry/registry-build-command.js";
import { runPluginSearch } from "./registry/plugin-search-command.js";
import { runPluginInstall } from "./registry/plugin-install-command.js";
import { runPluginRemove } from "./registry/plugin-remove-command.js";
import { runPolicyCheck } from "./policy-check-command.js";
import { runPolicyExplain } from "./policy-explain-command.js";
import { runPluginConformance } from "./conformance/conformance-command.js";
import { runPluginUpgrade } from "./registry/plugin-upgrade-command.js";

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
  { words: ["plugin", "upgrade"], summary: "Replace an installed worker by another version, all or nothing", run: runPluginUpgrade },
  { words: ["plugin", "sign"], summary: "Sign a worker's zip: manifest.json + manifest.sig", run: runPluginSign },
  { words: ["plugin", "conformance"], summary: "Check a running worker against the plugin protocol", run: runPluginConformance },
  { words: ["plugin", "verify"], summary: "Check a signed worker against trusted keys and its zip", run: runPluginVerify },
  { words: ["registry", "build"], summary: "Publish signed workers into a registry folder with a signed index", run: runRegistryBuild },
  { words: ["vend"], summary: "In CI: get a short-lived credential with the job's OIDC token", run: runVend },
  {
    words: ["doctor"],
    summary: "Is credvend (local or deployed) healthy: workers verified and configured, issuers, clocks, config",
    run: runDoctor,
  },
  { words: ["revoke"], summary: "Revoke a credential of this workflow run before it expires", run: runRevoke },
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
  ...AUDIT_QUESTIONS.map(({ question, summary }) => ({
    words: ["audit", question],
    summary,
    run: (argv: readonly string[]) => runAudit([question, ...argv]),
  })),
];

export function usage(): string {
  return `credvend — short-lived credentials for CI pipelines

Usage:
${commandLines(byGroup(COMMANDS))}
  credvend help [command]

Run \`credvend <command> --help\` for a command's options, \`credvend <group> --help\` for a group's commands.
`;
}

/** Commands sharing a first word next to each other, in the order each group first appears. */
function byGroup(commands: readonly Command[]): Command[] {
  const firsts = [...new Set(commands.map((c) => c.words[0]))];
  return [...commands].sort((a, b) => firsts.indexOf(a.words[0]) - firsts.indexOf(b.words[0]));
}

function commandLines(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.words.join(" ").length));
  return commands.map((c) => `  credvend ${c.words.join(" ").padEnd(width)}  ${c.summary}`).join("\n");
}

/** The commands under `prefix` (`plugin` → plugin init, plugin list, …), derived from COMMANDS. */
function commandsUnder(prefix: readonly string[]): Command[] {
  return COMMANDS.filter((c) => c.words.length > prefix.length && prefix.every((word, i) => c.words[i] === word));
}

function groupUsage(prefix: readonly string[]): string {
  return `credvend ${prefix.join(" ")} — its commands

Usage:
${commandLines(commandsUnder(prefix))}

Run \`credvend ${prefix.join(" ")} <command> --help\` for a command's options.
`;
}

function findCommand(argv: readonly string[]): { command: Command; rest: readonly string[] } | undefined {
  const matches = COMMANDS.filter((c) => c.words.every((word, i) => argv[i] === word));
  const command = matches.sort((a, b) => b.words.length - a.words.length)[0];
  return command && { command, rest: argv.slice(command.words.length) };
}

/** The longest leading words of argv that several commands share (`plugin`, `dev`), if any. */
function findGroup(argv: readonly string[]): readonly string[] | undefined {
  for (let length = argv.length; length > 0; length--) {
    const prefix = argv.slice(0, length);
    if (commandsUnder(prefix).length > 0) return prefix;
  }
  return undefined;
}

const isHelp = (word: string | undefined) => word === "--help" || word === "-h";

/** Runs one CLI invocation and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === "help" || isHelp(first)) {
    if (first === "help" && argv.length > 1) {
      const target = argv.slice(1);
      if (findCommand(target) || findGroup(target)) return main([...target, "--help"]);
      process.stderr.write(`credvend: unknown command "${target.join(" ")}"\n\n${usage()}`);
      return 2;
    }
    process.stdout.write(usage());
    return first === undefined ? 2 : 0;
  }
  const found = findCommand(argv);
  const group = findGroup(argv);
  // A group's own words, bare or with --help (`credvend plugin --help`): the list of its commands.
  if (group && (!found || found.command.words.length < group.length)) {
    const rest = argv.slice(group.length);
    if (rest.length === 0 || (rest.length === 1 && isHelp(rest[0]))) {
      process.stdout.write(groupUsage(group));
      return rest.length === 0 ? 2 : 0;
    }
    if (!found) {
      process.stderr.write(`credvend: unknown command "${argv.join(" ")}"\n\n${groupUsage(group)}`);
      return 2;
    }
  }
  if (!found) {
    process.stderr.write(`credvend: unknown command "${argv.join(" ")}"\n\n${usage()}`);
    return 2;
  }
  const code = await runCommand(found.command, found.rest);
  // A command that is also a group (`dev`: dev token, dev leak): its help names the commands under it.
  if (found.rest.some(isHelp) && commandsUnder(found.command.words).length > 0) {
    process.stdout.write(
      `\nCommands under \`credvend ${found.command.words.join(" ")}\`:\n${commandLines(commandsUnder(found.command.words))}\n`,
    );
  }
  return code;
}

async function runCommand(command: Command, rest: readonly string[]): Promise<number> {
  try {
    return await command.run(rest);
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
