import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { defaultDevClaims, loadOrCreateDevIssuer } from "./dev/dev-oidc-issuer.js";
import { CredvendError } from "../functions/core/errors.js";
import { CliError } from "./cli-error.js";
import { DEV_ISSUER_PATH, STATE_FILE } from "./local-stack.js";

export const DEV_TOKEN_USAGE = `credvend dev token — mint an OIDC token from the local dev issuer

Usage: credvend dev token --repository OWNER/REPO [--ref refs/heads/main] [options]

Prints a token shaped like a GitHub Actions OIDC token, signed by the dev issuer of
\`credvend dev\` (key under <data-dir>/dev-oidc). Only the local stack trusts it.

Options:
  --repository R    Repository claim, e.g. acme/web (required). repository_id and
                    repository_owner_id are derived from the names (the same name always gets
                    the same id: acme/web is 264037838), so policies can anchor on ids locally
  --ref REF         Ref claim (default: refs/heads/main)
  --actor NAME      Actor claim (default: the repository owner)
  --workflow NAME   Workflow name (default: dev)
  --environment E   Environment claim (default: none)
  --audience A      Audience (default: the running dev server's, else credvend)
  --ttl SECONDS     Token lifetime (default: 600)
  --data-dir DIR    Data folder of \`credvend dev\` (default: .credvend)
  -h, --help        Show this help
`;

export async function runDevToken(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      repository: { type: "string" },
      ref: { type: "string", default: "refs/heads/main" },
      actor: { type: "string" },
      workflow: { type: "string" },
      environment: { type: "string" },
      audience: { type: "string" },
      ttl: { type: "string", default: "600" },
      "data-dir": { type: "string", default: ".credvend" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(DEV_TOKEN_USAGE);
    return 0;
  }
  if (!values.repository) throw new CliError("--repository is required (e.g. --repository acme/web)", 2);
  const ttlSeconds = Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new CliError("--ttl: must be a whole number of seconds", 2);

  const dataDir = values["data-dir"];
  const state = readState(join(dataDir, STATE_FILE));
  const issuerUrl = state?.issuer ?? `http://127.0.0.1:${process.env.PORT ?? "8787"}${DEV_ISSUER_PATH}`;
  const issuer = await loadOrCreateDevIssuer({ dir: join(dataDir, "dev-oidc"), issuerUrl });
  try {
    const claims = defaultDevClaims({
      repository: values.repository,
      ref: values.ref,
      ...(values.actor ? { actor: values.actor } : {}),
      ...(values.workflow ? { workflow: values.workflow } : {}),
      ...(values.environment ? { environment: values.environment } : {}),
    });
    const token = await issuer.mint({
      ...claims,
      repository: values.repository,
      ref: values.ref,
      audience: values.audience ?? state?.audience ?? "credvend",
      ttlSeconds,
    });
    process.stdout.write(`${token}\n`);
    return 0;
  } catch (err) {
    if (err instanceof CredvendError) throw new CliError(err.message, 2);
    throw err;
  }
}

function readState(path: string): { issuer?: string; audience?: string } | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as { issuer?: string; audience?: string };
  } catch {
    return undefined;
  }
}
