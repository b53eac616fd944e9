// `credvend keys generate`: an Ed25519 key pair for signing workers (a publisher key) or a
// registry's index (a registry key), named for its use, with advice that fits that use.
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Ed25519KeyPair } from "../functions/core/plugin-trust/ed25519.js";
import { CliError } from "./cli-error.js";
import { generateKeyFiles, KeyFileError, publicKeyConfig } from "./publisher-key-files.js";

export const KEYS_GENERATE_USAGE = `credvend keys generate — create an Ed25519 key pair: a publisher key or a registry key

Usage: credvend keys generate [--name NAME] [--use publisher|registry] [--out .credvend/keys]

Writes <out>/<NAME>.key (the private key, mode 0600 — keep it out of git; .credvend/ is ignored)
and <out>/<NAME>.pub.json ({"keyId","publicKey"}). NAME defaults to the use: publisher.key signs
workers (credvend plugin sign --key), registry.key signs a registry's index (credvend registry
build --key). The key id is the first 16 hex digits of the public key's SHA-256. Never
overwrites an existing key.

  credvend keys generate                     # .credvend/keys/publisher.key + publisher.pub.json
  credvend keys generate --use registry      # .credvend/keys/registry.key + registry.pub.json

Options:
  --name NAME   The files' name (default: the use, publisher or registry)
  --use USE     publisher (signs workers; operators trust its .pub.json) or registry (signs an
                index; operators pin its .pub.json with --registry-key). Default: registry when
                NAME contains "registry", else publisher
  --out DIR     Where to write the key pair (default: .credvend/keys)
  -h, --help    Show this help
`;

type KeyUse = "publisher" | "registry";

export async function runKeysGenerate(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      out: { type: "string", default: join(".credvend", "keys") },
      name: { type: "string" },
      use: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(KEYS_GENERATE_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new CliError(`unexpected argument "${positionals[0]}" (use --out DIR and --name NAME)`, 2);
  if (values.use !== undefined && values.use !== "publisher" && values.use !== "registry")
    throw new CliError(`--use ${values.use}: must be publisher or registry`, 2);
  const use: KeyUse = (values.use as KeyUse | undefined) ?? (values.name?.includes("registry") ? "registry" : "publisher");
  try {
    const { pair, privatePath, publicPath } = await generateKeyFiles(values.out, values.name ?? use);
    process.stdout.write(
      `key id       ${pair.keyId}\n` +
        `public key   ${publicKeyConfig(pair).publicKey}\n` +
        `private key  ${privatePath} (mode 0600, never commit it)\n` +
        `public key   ${publicPath}\n\n` +
        (use === "registry" ? registryAdvice(privatePath, publicPath) : publisherAdvice(pair, privatePath, publicPath)),
    );
    return 0;
  } catch (error) {
    if (error instanceof KeyFileError) throw new CliError(error.message, /already exists/.test(error.message) ? 1 : 2);
    throw error;
  }
}

function publisherAdvice(pair: Ed25519KeyPair, privatePath: string, publicPath: string): string {
  return (
    `A publisher key. Sign workers with it:  credvend plugin sign --key ${privatePath} <worker-dir>\n` +
    `Operators who trust your workers add ${publicPath} to their deployment config's trustedKeys\n` +
    `(or pass it as --trust to plugin install). Trust store entry (CREDVEND_TRUSTED_KEYS is a JSON array of these):\n` +
    `${JSON.stringify(publicKeyConfig(pair))}\n`
  );
}

function registryAdvice(privatePath: string, publicPath: string): string {
  return (
    `A registry key. Sign the registry's index with it:\n` +
    `  credvend registry build --key ${privatePath} --out registry --publisher <publisher.pub.json> <worker-dir…>\n` +
    `Operators pin ${publicPath}: commit it in their project (e.g. as credvend.registry.pub.json) and pass it as\n` +
    "--registry-key to plugin search, install and upgrade. It is not a publisher key: it does not belong in trustedKeys.\n"
  );
}
