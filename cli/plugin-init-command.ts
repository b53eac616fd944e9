// `credvend plugin init <name>`: a new worker from plugin-workers/template, renamed, with imports
// pointing at this repository's SDK wherever the folder is created.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CliError } from "./cli-error.js";

const TEMPLATE = fileURLToPath(new URL("../plugin-workers/template", import.meta.url));
const PLUGIN_WORKERS = fileURLToPath(new URL("../plugin-workers", import.meta.url));
const TEMPLATE_NAME = "template-worker";
const TEMPLATE_PROVIDER = "tmpl";

export const PLUGIN_INIT_USAGE = `credvend plugin init — create a worker skeleton with a passing test

Usage: credvend plugin init <name> [--provider P] [--dir DIR]

Copies plugin-workers/template into DIR (default: plugin-workers/<name>): plugin.json,
worker.ts (validate, analyze, serialize, vend), lambda.ts (the Lambda entry), worker.test.ts
(the SDK's in-memory client) and a README. Then:
  npx vitest run --root <dir>                # its tests
  npm run build:workers                      # its deterministic zip (workers under plugin-workers/)
  npx credvend plugin sign --key <publisher.key> <dir>

Options:
  --provider P  The scope provider it serves (default: the name up to its first dash)
  --dir DIR     Where to create it (default: plugin-workers/<name>)
  -h, --help    Show this help
`;

export async function runPluginInit(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { provider: { type: "string" }, dir: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(PLUGIN_INIT_USAGE);
    return 0;
  }
  const name = positionals[0];
  if (!name || positionals.length > 1) throw new CliError("give the worker's name, e.g. credvend plugin init acme-widgets", 2);
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(name) || name === TEMPLATE_NAME)
    throw new CliError(`"${name}": a name is lower-case letters, digits and dashes`, 2);
  const provider = values.provider ?? name.split("-")[0]!;
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(provider))
    throw new CliError(`--provider: "${provider}" must be lower-case letters, digits and dashes`, 2);
  const dir = resolve(values.dir ?? join(PLUGIN_WORKERS, name));
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new CliError(`${dir} already exists and is not empty`);

  const sdk = relative(dir, join(PLUGIN_WORKERS, "sdk"));
  const functions = relative(dir, fileURLToPath(new URL("../functions", import.meta.url)));
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(TEMPLATE).sort()) {
    const text = readFileSync(join(TEMPLATE, file), "utf8")
      .replaceAll(TEMPLATE_NAME, name)
      .replaceAll(`"${TEMPLATE_PROVIDER}"`, `"${provider}"`)
      .replaceAll(`${TEMPLATE_PROVIDER}:`, `${provider}:`)
      .replaceAll(`${TEMPLATE_PROVIDER}_`, `${provider}_`)
      .replaceAll('"../sdk/', `"${sdk}/`)
      .replaceAll('"../../functions/', `"${functions}/`);
    writeFileSync(join(dir, file), text);
    process.stdout.write(`  created ${join(relative(process.cwd(), dir) || ".", file)}\n`);
  }
  process.stdout.write(
    `\nworker ${name} (provider ${provider}) is ready. Next:\n` +
      `  npx vitest run --root ${relative(process.cwd(), dir) || "."}\n` +
      `  edit worker.ts: the vend step is where your credential service is called\n` +
      `  npx credvend plugin sign --key .credvend/keys/publisher.key ${relative(process.cwd(), dir) || "."}\n`,
  );
  return 0;
}
