// Publisher key files. `publisher.key` holds the private key (mode 0600, refused when group or
// others can read it, like ssh does); `publisher.pub.json` is the public half in exactly the form a
// trust store takes: {"keyId","publicKey"}.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateKeyPair, keyPairFromPrivate, type Ed25519KeyPair } from "../functions/core/plugin-trust/ed25519.js";
import { decodeBase64, type TrustedKeyConfig } from "../functions/core/plugin-trust/trust-store.js";

const PRIVATE_KEY_FILE = "publisher.key";
const KEY_TYPE = "credvend-ed25519-private-key";

export class KeyFileError extends Error {
  override readonly name = "KeyFileError";
}

export function publicKeyConfig(pair: Ed25519KeyPair): TrustedKeyConfig {
  return { keyId: pair.keyId, publicKey: Buffer.from(pair.publicKey).toString("base64") };
}

/**
 * Writes a new key pair into `dir` as <name>.key and <name>.pub.json (publisher.key and
 * publisher.pub.json by default); never overwrites an existing private key.
 */
export async function generateKeyFiles(
  dir: string,
  name = "publisher",
): Promise<{ pair: Ed25519KeyPair; privatePath: string; publicPath: string }> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) || name.includes(".."))
    throw new KeyFileError(`key name "${name}": letters, digits, dots, dashes and underscores only`);
  const privatePath = join(dir, `${name}.key`);
  const publicPath = join(dir, `${name}.pub.json`);
  if (existsSync(privatePath)) throw new KeyFileError(`${privatePath} already exists; refusing to overwrite a key`);
  const pair = await generateKeyPair();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const body = { type: KEY_TYPE, keyId: pair.keyId, privateKey: Buffer.from(pair.privateKey).toString("base64") };
  writeFileSync(privatePath, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(privatePath, 0o600); // the umask may have narrowed it further, never widened: make it exact
  writeFileSync(publicPath, `${JSON.stringify(publicKeyConfig(pair), null, 2)}\n`);
  return { pair, privatePath, publicPath };
}

export async function readPrivateKeyFile(path: string): Promise<Ed25519KeyPair> {
  let text: string;
  try {
    if ((statSync(path).mode & 0o077) !== 0) throw new KeyFileError(`${path}: readable by group or others; run chmod 600 ${path}`);
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (error instanceof KeyFileError) throw error;
    throw new KeyFileError(`${path}: cannot read the key (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let value: { type?: unknown; privateKey?: unknown };
  try {
    value = JSON.parse(text) as typeof value;
  } catch {
    throw new KeyFileError(`${path}: not a credvend private key file`);
  }
  const seed = value.type === KEY_TYPE && typeof value.privateKey === "string" ? decodeBase64(value.privateKey) : undefined;
  if (!seed || seed.length !== 32) throw new KeyFileError(`${path}: not a credvend private key file`);
  return keyPairFromPrivate(seed);
}

/** The local stack's dev publisher key: created on first start, reused after. */
export async function loadOrCreateKeyFiles(dir: string): Promise<Ed25519KeyPair> {
  const privatePath = join(dir, PRIVATE_KEY_FILE);
  if (existsSync(privatePath)) return readPrivateKeyFile(privatePath);
  return (await generateKeyFiles(dir)).pair;
}
