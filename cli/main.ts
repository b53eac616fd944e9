import { runDev } from "./dev-command.js";
import { runDevToken } from "./dev-token-command.js";
import { CliError } from "./cli-error.js";

export const USAGE = `credvend — short-lived credentials for CI pipelines

Usage:
  credvend dev [options]          Run the whole stack locally (same as \`npm start\`)
  credvend dev token [options]    Mint a dev OIDC token for the local stack
  credvend help [command]         Show help

Run \`credvend <command> --help\` for a command's options.
`;

/** Runs one CLI invocation and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "dev" && rest[0] === "token") return await runDevToken(rest.slice(1));
    if (command === "dev") return await runDev(rest);
    if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      if (rest[0] === "dev") return await runDev(["--help"]);
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    }
    process.stderr.write(`credvend: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`credvend: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
