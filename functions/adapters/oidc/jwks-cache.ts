import { importJWK, type CryptoKey } from "jose";
import type { Clock } from "../../core/ports/clock.js";
import { CredvendError } from "../../core/errors.js";
import { httpsUrlProblem } from "../../core/https-url.js";
import { fetchJsonBounded } from "../../http/bounded-json-fetch.js";

// Signing keys per issuer, found through OIDC discovery (or a given URL), cached for a while and
// refetched early only when a token names a key we do not know (the provider rotated). Those
// early refetches are spaced out per issuer, so random `kid`s from an attacker cannot turn into a
// stream of requests to the provider. Every GitHub issuer (github.com's, an enterprise's, GHES's)
// publishes its keys at <issuer>/.well-known/jwks, so that set is fetched beside the discovery
// document and used only if the document names that very URL: a cold start or a cache refresh
// waits for one round trip to the provider instead of two.

export interface JwksCacheOptions {
  readonly fetch: typeof fetch;
  readonly clock: Clock;
  readonly cacheSeconds: number;
  /** Least time between two fetches of one issuer's keys when a token names an unknown key. */
  readonly minRefetchSeconds: number;
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly jwksUrlFor?: (issuer: string) => string;
}

interface IssuerKeys {
  readonly keys: ReadonlyMap<string, CryptoKey>;
  readonly fetchedAtMs: number;
}

export class JwksCache {
  private readonly options: JwksCacheOptions;
  private readonly entries = new Map<string, IssuerKeys>();
  // Concurrent verifications for one issuer share a single fetch.
  private readonly inflight = new Map<string, Promise<IssuerKeys>>();

  constructor(options: JwksCacheOptions) {
    this.options = options;
  }

  /**
   * The RS256 verification key `kid` of `issuer`, or undefined when the issuer does not publish
   * it. Raises CredvendError `jwks_unavailable` when the keys cannot be fetched.
   */
  async keyFor(issuer: string, kid: string): Promise<CryptoKey | undefined> {
    let entry = this.entries.get(issuer);
    if (!entry || this.ageMs(entry) >= this.options.cacheSeconds * 1000) {
      entry = await this.refresh(issuer);
    }
    const key = entry.keys.get(kid);
    if (key || this.ageMs(entry) < this.options.minRefetchSeconds * 1000) return key;
    entry = await this.refresh(issuer);
    return entry.keys.get(kid);
  }

  private ageMs(entry: IssuerKeys): number {
    return this.options.clock.now().getTime() - entry.fetchedAtMs;
  }

  private refresh(issuer: string): Promise<IssuerKeys> {
    const pending = this.inflight.get(issuer);
    if (pending) return pending;
    const started = this.load(issuer)
      .then((entry) => {
        this.entries.set(issuer, entry);
        return entry;
      })
      .finally(() => this.inflight.delete(issuer));
    this.inflight.set(issuer, started);
    return started;
  }

  private async load(issuer: string): Promise<IssuerKeys> {
    try {
      const given = this.options.jwksUrlFor?.(issuer);
      const { url, document } = given ? { url: given, document: await this.fetchJson(given) } : await this.discoverKeySet(issuer);
      const keys = await importKeySet(document, url);
      return { keys, fetchedAtMs: this.options.clock.now().getTime() };
    } catch (error) {
      throw new CredvendError("unavailable", "jwks_unavailable", "identity provider keys unavailable", {
        cause: error,
      });
    }
  }

  /** The key set the issuer's discovery document names, fetched beside it when it sits at the usual URL. */
  private async discoverKeySet(issuer: string): Promise<{ url: string; document: unknown }> {
    const usual = `${issuer.replace(/\/+$/, "")}/.well-known/jwks`;
    const early = this.fetchJson(usual);
    // Its outcome counts only if discovery names it; otherwise a failure here is nobody's concern.
    early.catch(() => undefined);
    const url = await this.discoverJwksUrl(issuer);
    return { url, document: await (url === usual ? early : this.fetchJson(url)) };
  }

  private async discoverJwksUrl(issuer: string): Promise<string> {
    const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
    const document = await this.fetchJson(url);
    if (!isRecord(document)) throw new Error(`discovery document at ${url} is not a JSON object`);
    // OIDC Discovery 1.0 §4.3: the document must name the issuer it was fetched for.
    if (document["issuer"] !== issuer) throw new Error(`discovery document at ${url} names another issuer`);
    const jwksUri = document["jwks_uri"];
    if (typeof jwksUri !== "string") throw new Error(`discovery document at ${url} has no jwks_uri`);
    const problem = httpsUrlProblem(jwksUri);
    if (problem) throw new Error(`discovery document at ${url}: jwks_uri ${jwksUri} ${problem}`);
    return jwksUri;
  }

  // Keys come only over https (or from this machine): every URL is checked, whoever chose it.
  private fetchJson(url: string): Promise<unknown> {
    const problem = httpsUrlProblem(url);
    if (problem) return Promise.reject(new Error(`refusing to fetch keys from ${url}: ${problem}`));
    const { fetch, timeoutMs, maxBytes } = this.options;
    return fetchJsonBounded(url, { fetch, timeoutMs, maxBytes });
  }
}

// Keeps only keys usable for RS256 signatures; a malformed or foreign key is skipped rather than
// failing the whole set, so one odd entry from the provider does not lock everyone out.
async function importKeySet(document: unknown, url: string): Promise<ReadonlyMap<string, CryptoKey>> {
  const entries = isRecord(document) ? document["keys"] : undefined;
  if (!Array.isArray(entries)) throw new Error(`key set at ${url} has no "keys" array`);
  const keys = new Map<string, CryptoKey>();
  for (const jwk of entries) {
    if (!isRecord(jwk) || jwk["kty"] !== "RSA") continue;
    const { kid, use, alg, n, e } = jwk;
    if (typeof kid !== "string" || kid === "" || keys.has(kid)) continue;
    if ((use !== undefined && use !== "sig") || (alg !== undefined && alg !== "RS256")) continue;
    if (typeof n !== "string" || typeof e !== "string") continue;
    try {
      // Only the public members: a set that wrongly carries private parts still yields a public key.
      keys.set(kid, await importJWK({ kty: "RSA" as const, n, e }, "RS256"));
    } catch {}
  }
  return keys;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
