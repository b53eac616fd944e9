// A stand-in for the parts of GitHub the webhooks function calls, for the local stack (used when
// GITHUB_API_URL is not set) and the tests: the secret-scanning partner keys
// (`/meta/public_keys/secret_scanning`, one P-256 key kept on disk), the REST alert lookup
// (`/repos/{owner}/{repo}/secret-scanning/alerts/{number}` → `secret`), the org's open alerts
// newest first for the alert poller (`/orgs/{org}/secret-scanning/alerts`, `after` cursors in a
// Link header, `per_page`), and, for
// `credvend dev leak`, `POST /dev/alerts` to open an alert. It also keeps the dev webhook secret.
// For the github worker it is a GitHub App's GitHub (dev-github-installations.ts: installations,
// installation tokens; dev-github-contents.ts: repositories, contents, commits, and the dev
// endpoints that commit files and deliver `push` webhooks).
// Dev only: it serves secrets to anyone on loopback, and is never part of a deployed function.
import { createHash, createPrivateKey, createPublicKey, randomBytes, type KeyObject } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Hono } from "hono";
import { generatePartnerKeyPair, signPartnerBody } from "../../functions/adapters/github/github-partner-signature.js";
import { signWebhookBody } from "../../functions/adapters/github/github-webhook-signature.js";
import { jsonState } from "./dev-github-state.js";
import { DEV_APP_ID, loadOrCreateDevAppKey, loadOrCreateSecretFile } from "./dev-github-app.js";
import { devContentsRoutes } from "./dev-github-contents.js";
import { devInstallations, type DevInstallations, type DevTokenGrant } from "./dev-github-installations.js";
import { devRepos } from "./dev-github-repos.js";

export interface DevGitHub {
  readonly webhookSecret: string;
  readonly partnerKeyId: string;
  /** Opens an alert for a secret found in `repository`; returns its number. */
  openAlert(repository: string, secret: string): number;
  /** The next REST lookups answer these statuses instead (tests: 404, 403 rate limit, 500). */
  failNextLookups(...statuses: number[]): void;
  signWebhook(body: string): string;
  /** What the stand-in granted an installation token (repositories, permissions, revocation). */
  tokenGrant(token: string): DevTokenGrant | undefined;
  signPartner(body: string): string;
  /** GitHub's API paths, relative to where they are mounted (that URL is GITHUB_API_URL). */
  routes(): Hono;
}

const SECRET_FILE = "webhook-secret";
const KEY_FILE = "partner-key.pem";
const ALERTS_FILE = "alert-numbering.json";

export async function loadOrCreateDevGitHub(options: {
  dir: string;
  /** Where `push` webhooks of the dev endpoints go (the local stack's webhooks route). */
  webhookUrl?: string;
}): Promise<DevGitHub> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const webhookSecret = await loadOrCreateSecretFile(join(options.dir, SECRET_FILE), () => randomBytes(24).toString("hex"));
  const pem = await loadOrCreateSecretFile(join(options.dir, KEY_FILE), () =>
    generatePartnerKeyPair().privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  );
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  // Like GitHub's: the hex SHA-256 of the key.
  const partnerKeyId = createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex");
  const repos = devRepos(options.dir);
  const installations = devInstallations({
    dir: options.dir,
    appId: DEV_APP_ID,
    appKeyPem: await loadOrCreateDevAppKey(options.dir),
    repos,
  });
  const contents = devContentsRoutes({
    repos,
    installations,
    ...(options.webhookUrl ? { webhookUrl: options.webhookUrl } : {}),
    signWebhook: (body) => signWebhookBody(webhookSecret, body),
  });
  return createDevGitHub({ webhookSecret, partnerKeyId, privateKey, publicPem }, options.dir, { installations, contents });
}

function createDevGitHub(
  keys: { webhookSecret: string; partnerKeyId: string; privateKey: KeyObject; publicPem: string },
  dir: string,
  parts: { installations: DevInstallations; contents: Hono },
): DevGitHub {
  const alerts = new Map<string, { secret: string; number: number; repository: string; createdAt: string }>();
  const failures: number[] = [];
  // The numbering outlives a restart (the alerts themselves, which hold secrets, do not): the
  // ledger keeps each alert's replay key `alert:<repo>#<n>:<action>`, so a number handed out again
  // would make a brand-new leak look handled ("duplicate") while its token stays live.
  const numbering = jsonState(dir, ALERTS_FILE, () => ({ lastNumber: 0 }));
  const openAlert = (repository: string, secret: string) => {
    const number = ++numbering.value.lastNumber;
    numbering.save();
    alerts.set(`${repository}#${number}`, { secret, number, repository, createdAt: new Date().toISOString() });
    return number;
  };

  const installationRoutes = parts.installations.routes();
  const routes = () => {
    const app = new Hono();
    app.get("/meta/public_keys/secret_scanning", (c) =>
      c.json({ public_keys: [{ key_identifier: keys.partnerKeyId, key: keys.publicPem, is_current: true }] }),
    );
    app.get("/repos/:owner/:repo/secret-scanning/alerts/:number", (c) => {
      const status = failures.shift();
      if (status === 403) {
        c.header("x-ratelimit-remaining", "0");
        return c.json({ message: "API rate limit exceeded" }, 403);
      }
      if (status !== undefined) return c.json({ message: `dev failure ${status}` }, status as 404 | 500);
      const { owner, repo, number } = c.req.param();
      const alert = alerts.get(`${owner}/${repo}#${number}`);
      if (!alert) return c.json({ message: "Not Found" }, 404);
      return c.json({
        number: alert.number,
        state: "open",
        secret_type: "credvend_token",
        secret: alert.secret,
        html_url: `https://github.com/${owner}/${repo}/security/secret-scanning/${alert.number}`,
      });
    });
    app.get("/orgs/:org/secret-scanning/alerts", (c) => {
      const { org } = c.req.param();
      const perPage = Math.min(100, Number(c.req.query("per_page") ?? "30") || 30);
      const after = Number(c.req.query("after") ?? Number.POSITIVE_INFINITY);
      // Newest first: numbers grow with creation, so `after` is the last number of the previous page.
      const open = [...alerts.values()]
        .filter((a) => a.repository.startsWith(`${org}/`) && a.number < after)
        .sort((a, b) => b.number - a.number);
      const page = open.slice(0, perPage);
      if (open.length > perPage) {
        const next = new URL(c.req.url);
        next.searchParams.set("per_page", String(perPage));
        next.searchParams.set("after", String(page.at(-1)!.number));
        c.header("link", `<${next}>; rel="next"`);
      }
      return c.json(
        page.map((a) => ({
          number: a.number,
          created_at: a.createdAt,
          state: "open",
          secret_type: "credvend_token",
          secret: a.secret,
          html_url: `https://github.com/${a.repository}/security/secret-scanning/${a.number}`,
          repository: { full_name: a.repository },
        })),
      );
    });
    app.post("/dev/alerts", async (c) => {
      const body = (await c.req.json().catch(() => undefined)) as { repository?: unknown; secret?: unknown } | undefined;
      if (
        typeof body?.repository !== "string" ||
        !/^[\w.-]+\/[\w.-]+$/.test(body.repository) ||
        typeof body.secret !== "string" ||
        !body.secret
      )
        return c.json({ error: { code: "invalid_request", message: 'body must be {"repository":"owner/name","secret":"..."}' } }, 400);
      return c.json({ number: openAlert(body.repository, body.secret) }, 201);
    });
    app.route("/", installationRoutes);
    app.route("/", parts.contents);
    return app;
  };

  return {
    webhookSecret: keys.webhookSecret,
    partnerKeyId: keys.partnerKeyId,
    openAlert,
    failNextLookups: (...statuses) => failures.push(...statuses),
    signWebhook: (body) => signWebhookBody(keys.webhookSecret, body),
    signPartner: (body) => signPartnerBody(keys.privateKey, body),
    tokenGrant: (token) => parts.installations.grantOf(token),
    routes,
  };
}
