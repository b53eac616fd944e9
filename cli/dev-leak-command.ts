import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadOrCreateDevGitHub } from "./dev/dev-github.js";
import { CliError } from "./cli-error.js";
import { DEV_GITHUB_DIR, DEV_GITHUB_PATH } from "./local-leak-response.js";
import { STATE_FILE } from "./local-stack.js";

export const DEV_LEAK_USAGE = `credvend dev leak — play GitHub finding a leaked secret, against the local stack

Usage: credvend dev leak <secret> [--repository acme/web] [--partner] [options]

Opens a secret-scanning alert for <secret> on the dev GitHub stand-in of \`credvend dev\` and
delivers GitHub's signed secret_scanning_alert webhook for it (X-Hub-Signature-256 with the dev
webhook secret). With --partner, posts it as a secret scanning partner program match instead
(ECDSA-signed with the dev key). Prints what credvend did: revoked_on_detection,
detected_after_expiry, manual_revoke_required, unknown, already_handled, ...

Options:
  --repository R    Where the secret was "found" (default: acme/web)
  --partner         Use the partner program route
  --data-dir DIR    Data folder of \`credvend dev\` (default: .credvend)
  -h, --help        Show this help
`;

export interface DevLeakResult {
  readonly status: number;
  readonly body: unknown;
}

/** Delivers one signed leak report for `secret` to a running local stack. */
export async function deliverDevLeak(options: {
  url: string;
  dataDir: string;
  secret: string;
  repository: string;
  partner: boolean;
}): Promise<DevLeakResult> {
  const github = await loadOrCreateDevGitHub({ dir: join(options.dataDir, DEV_GITHUB_DIR) });
  if (options.partner) {
    const body = JSON.stringify([
      {
        token: options.secret,
        type: "credvend_token",
        url: `https://github.com/${options.repository}/blob/main/leak.txt`,
        source: "commit",
      },
    ]);
    return post(`${options.url}/webhooks/github/secret-scanning/partner`, body, {
      "github-public-key-identifier": github.partnerKeyId,
      "github-public-key-signature": github.signPartner(body),
    });
  }
  const opened = await fetch(`${options.url}${DEV_GITHUB_PATH}/dev/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ repository: options.repository, secret: options.secret }),
  });
  if (opened.status !== 201)
    throw new CliError(`the dev GitHub stand-in refused the alert (HTTP ${opened.status}); is GITHUB_API_URL set for the server?`);
  const { number } = (await opened.json()) as { number: number };
  const body = JSON.stringify({
    action: "created",
    alert: {
      number,
      secret_type: "credvend_token",
      html_url: `https://github.com/${options.repository}/security/secret-scanning/${number}`,
    },
    repository: { full_name: options.repository },
  });
  return post(`${options.url}/webhooks/github/secret-scanning`, body, {
    "x-github-event": "secret_scanning_alert",
    "x-github-delivery": randomUUID(),
    "x-hub-signature-256": github.signWebhook(body),
  });
}

export async function runDevLeak(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      repository: { type: "string", default: "acme/web" },
      partner: { type: "boolean", default: false },
      "data-dir": { type: "string", default: ".credvend" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(DEV_LEAK_USAGE);
    return 0;
  }
  const [secret, extra] = positionals;
  if (!secret || extra !== undefined) throw new CliError("give exactly one secret: credvend dev leak <secret>", 2);
  if (!/^[\w.-]+\/[\w.-]+$/.test(values.repository)) throw new CliError("--repository: must be owner/name", 2);
  const dataDir = values["data-dir"];
  const url = serverUrl(dataDir);
  const result = await deliverDevLeak({ url, dataDir, secret, repository: values.repository, partner: values.partner }).catch(
    (error: unknown) => {
      if (error instanceof CliError) throw error;
      throw new CliError(`cannot reach credvend at ${url}: is \`credvend dev\` running?`);
    },
  );
  process.stdout.write(`${JSON.stringify(result.body)}\n`);
  if (result.status >= 300) throw new CliError(`credvend answered HTTP ${result.status}`);
  return 0;
}

function serverUrl(dataDir: string): string {
  const path = join(dataDir, STATE_FILE);
  if (!existsSync(path)) throw new CliError(`no running local stack found (${path} is missing): start it with \`npm start\``);
  const state = JSON.parse(readFileSync(path, "utf8")) as { url?: unknown };
  if (typeof state.url !== "string") throw new CliError(`${path} names no server URL`);
  return state.url;
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<DevLeakResult> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Shown as text.
  }
  return { status: response.status, body: parsed };
}
