// `credvend keys generate`: a publisher key pair for signing workers.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { KeyFileError, generateKeyFiles, publicKeyConfig } from "./publisher-key-files.js";
import { CliError } from "./cli-error.js";

export const KEYS_GENERATE_USAGE = `credvend keys generate — create an Ed25519 publisher key pair for signing workers

Usage: credvend keys generate [--out .credvend/keys]

Writes <out>/publisher.key (the private key, mode 0600 — keep it out of git; .credvend/ is
ignored) and <out>/publisher.pub.json ({"keyId","publicKey"}: add it to the trust store,
CREDVEND_TRUSTED_KEYS). The key id is the first 16 hex digits of the public key's SHA-256.
Never overwrites an existing key.

Options:
  --out DIR     Where to write the key pair (default: .credvend/keys)
  -h, --help    Show this help
`;

export async function runKeysGenerate(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { out: { type: "string", default: join(".credvend", "keys") }, help: { type: "boolean", short: "h" } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(KEYS_GENERATE_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new CliError(`unexpected argument "${positionals[0]}" (use --out DIR)`, 2);
  try {
    const { pair, privatePath, publicPath } = await generateKeyFiles(values.out);
    process.stdout.write(
      `key id       ${pair.keyId}\n` +
        `public key   ${publicKeyConfig(pair).publicKey}\n` +
        `private key  ${privatePath} (mode 0600, never commit it)\n` +
        `public key   ${publicPath}\n\n` +
        `Trust store entry (CREDVEND_TRUSTED_KEYS is a JSON array of these):\n${JSON.stringify(publicKeyConfig(pair))}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof KeyFileError) throw new CliError(error.message);
    throw error;
  }
}
