// What `audit token` looks up: a SHA-256 as the ledger stores it, or a secret to hash here. The
// secret is never printed, logged or sent: only its hash leaves this process.
import { tokenHash } from "../../plugin-protocol/token-hash.js";
import { CliError } from "../cli-error.js";

const SHA256_HEX = /^[0-9a-f]{64}$/i;

export interface TokenQuery {
  readonly hash: string;
  /** Where the hash came from, for the output (never the secret itself). */
  readonly given: "sha256" | "secret";
}

/**
 * `-` reads the secret from stdin (one line; surrounding whitespace dropped), so it stays out of
 * the shell's history and the process list. A 64-hex-digit argument is a SHA-256 already.
 */
export async function tokenQuery(
  argument: string,
  stdin: AsyncIterable<Buffer | string>,
  warn: (line: string) => void,
): Promise<TokenQuery> {
  if (argument === "-") {
    const secret = (await readAll(stdin)).trim();
    if (!secret) throw new CliError("no secret on stdin (pipe it in: ... | credvend audit token -)", 2);
    return { hash: tokenHash(secret), given: "secret" };
  }
  if (SHA256_HEX.test(argument)) return { hash: argument.toLowerCase(), given: "sha256" };
  warn("credvend: note: a secret on the command line stays in shell history; pipe it in with `-` instead");
  return { hash: tokenHash(argument), given: "secret" };
}

async function readAll(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: string[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? chunk : chunk.toString("utf8"));
  return chunks.join("");
}
