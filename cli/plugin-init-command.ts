// `credvend plugin init <name>`: a new worker from plugin-workers/template (TypeScript) or
// plugin-workers/template-python (--lang python), renamed, with its imports (TypeScript) or its
// vendored SDK (Python) pointing at this repository's SDK wherever the folder is created.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CliError } from "./cli-error.js";

const PLUGIN_WORKERS = fileURLToPath(new URL("../plugin-workers", import.meta.url));
const TEMPLATES = { typescript: join(PLUGIN_WORKERS, "template"), python: join(PLUGIN_WORKERS, "template-python") } as const;
type Lang = keyof typeof TEMPLATES;
const TEMPLATE_NAME = "template-worker";
const TEMPLATE_PROVIDER = "tmpl";

export const PLUGIN_INIT_USAGE = `credvend plugin init — create a worker skeleton with a passing test

Usage: credvend plugin init <name> [--lang typescript|python] [--provider P] [--dir DIR]

Copies the template into DIR (default: plugin-workers/<name>) and prints the next steps.
typescript (plugin-workers/template): plugin.json, worker.ts (validate, analyze, serialize, vend),
  lambda.ts (the Lambda entry), worker.test.ts (the SDK's in-memory client) and a README.
python (plugin-workers/template-python): plugin.json (vendoring plugin-workers/python-sdk and
  protobuf's .py files into the zip), worker.py, lambda_function.py (the Lambda entry), __main__.py (the loopback server),
  test_worker.py (unittest) and a README.
Either way it passes its own tests and \`credvend plugin conformance\` as created.

Options:
  --lang L      typescript (default) or python
  --provider P  The scope provider it serves (default: the name up to its first dash)
  --dir DIR     Where to create it (default: plugin-workers/<name>)
  -h, --help    Show this help
`;

export async function runPluginInit(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      lang: { type: "string", default: "typescript" },
      provider: { type: "string" },
      dir: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(PLUGIN_INIT_USAGE);
    return 0;
  }
  const lang = values.lang;
  if (lang !== "typescript" && lang !== "python") throw new CliError(`--lang: "${lang}" is neither typescript nor python`, 2);
  const name = positionals[0];
  if (!name || positionals.length > 1) throw new CliError("give the worker's name, e.g. credvend plugin init acme-widgets", 2);
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(name) || name === TEMPLATE_NAME)
    throw new CliError(`"${name}": a name is lower-case letters, digits and dashes`, 2);
  const provider = values.provider ?? name.split("-")[0]!;
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(provider))
    throw new CliError(`--provider: "${provider}" must be lower-case letters, digits and dashes`, 2);
  const dir = resolve(values.dir ?? join(PLUGIN_WORKERS, name));
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new CliError(`${dir} already exists and is not empty`);

  const shown = relative(process.cwd(), dir) || ".";
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(TEMPLATES[lang], { withFileTypes: true })) {
    if (!file.isFile()) continue; // __pycache__ and the like
    const text = renamed(readFileSync(join(TEMPLATES[lang], file.name), "utf8"), name, provider, dir);
    writeFileSync(join(dir, file.name), text);
    process.stdout.write(`  created ${join(shown, file.name)}\n`);
  }
  process.stdout.write(`\nworker ${name} (provider ${provider}, ${lang}) is ready. Next:\n${nextSteps(lang, name, provider, shown)}`);
  return 0;
}

function renamed(text: string, name: string, provider: string, dir: string): string {
  const sdk = relative(dir, join(PLUGIN_WORKERS, "sdk"));
  const pythonSdk = relative(dir, join(PLUGIN_WORKERS, "python-sdk"));
  const functions = relative(dir, fileURLToPath(new URL("../functions", import.meta.url)));
  return text
    .replaceAll(TEMPLATE_NAME, name)
    .replaceAll(`"${TEMPLATE_PROVIDER}"`, `"${provider}"`)
    .replaceAll(`${TEMPLATE_PROVIDER}:`, `${provider}:`)
    .replaceAll(`${TEMPLATE_PROVIDER}_`, `${provider}_`)
    .replaceAll('"../sdk/', `"${sdk}/`)
    .replaceAll('"../python-sdk/', `"${pythonSdk}/`)
    .replaceAll('"../../functions/', `"${functions}/`);
}

/** The steps the author guide gives, in its order: test, edit, sign (which builds), run, conformance. */
function nextSteps(lang: Lang, name: string, provider: string, dir: string): string {
  const test = lang === "python" ? `python3 -m unittest discover -s ${dir}` : `npx vitest run --root ${dir}`;
  const edit = lang === "python" ? "worker.py" : "worker.ts";
  const run =
    lang === "python"
      ? `  export CREDVEND_CALLER_SECRET=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')\n` +
        `  python3 dist/workers/${name}/code.zip --port 18080 &        # the signed zip on loopback\n` +
        `  npx credvend plugin conformance --url http://127.0.0.1:18080 --scope ${provider}:read:example\n`
      : `  npm start                                                  # with it installed, then:\n` +
        `  npx credvend plugin conformance --url <its URL> --caller-secret-file .credvend/worker-caller-secrets.json --scope ${provider}:read:example\n`;
  return (
    `  ${test}\n` +
    `  edit ${edit}: the vend step is where your credential service is called\n` +
    `  npx credvend keys generate                                 # once: .credvend/keys/publisher.key\n` +
    `  npx credvend plugin sign --key .credvend/keys/publisher.key ${dir}   # builds dist/workers/${name}/code.zip and signs it\n` +
    `  npx credvend plugin verify --trust .credvend/keys/publisher.pub.json dist/workers/${name}\n` +
    run
  );
}
