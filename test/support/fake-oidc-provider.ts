import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from "jose";

// A real identity provider on 127.0.0.1 for tests: discovery document + JWKS, with
// switches for the failure modes and counters for what the verifier fetched.

export type JwksMode = "ok" | "slow" | "oversize-declared" | "oversize-streamed" | "html" | "error";

export interface FakeIdp {
  readonly issuer: string;
  keys: JWK[];
  jwksMode: JwksMode;
  readonly hits: { discovery: number; jwks: number; total: number };
  /** Holds each discovery answer until a key set request arrives (or 1 s passes). */
  holdDiscoveryUntilJwks: boolean;
  /** Discovery answers that waited for (or came after) a key set request: requests made side by side. */
  jwksDuringDiscovery: number;
  close(): Promise<void>;
}

export async function startIdp(): Promise<FakeIdp> {
  const idp: FakeIdp = {
    issuer: "",
    keys: [],
    jwksMode: "ok",
    hits: { discovery: 0, jwks: 0, total: 0 },
    holdDiscoveryUntilJwks: false,
    jwksDuringDiscovery: 0,
    close: () => close(server),
  };
  const server = createServer((req, res) => handle(idp, req, res));
  const port = await listen(server);
  Object.assign(idp, { issuer: `http://127.0.0.1:${port}` });
  return idp;
}

/** Discovery answers held for a key set request, and key set requests no discovery answer has seen yet. */
const held = new WeakMap<FakeIdp, { release?: () => void; unseenJwks: number }>();

function handle(idp: FakeIdp, req: IncomingMessage, res: ServerResponse): void {
  idp.hits.total += 1;
  const state = held.get(idp) ?? { unseenJwks: 0 };
  held.set(idp, state);
  // Discovery answers under any path, always naming this server's root as the issuer.
  if (req.url?.endsWith("/.well-known/openid-configuration")) {
    idp.hits.discovery += 1;
    const answer = () => {
      state.release = undefined;
      clearTimeout(timer);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ issuer: idp.issuer, jwks_uri: `${idp.issuer}/.well-known/jwks` }));
    };
    // Held only until a key set request arrives, whether it came just before or comes during the hold.
    const hold = idp.holdDiscoveryUntilJwks && state.unseenJwks === 0;
    if (idp.holdDiscoveryUntilJwks && !hold) idp.jwksDuringDiscovery += 1;
    state.unseenJwks = 0;
    const timer = hold ? setTimeout(answer, 1_000) : undefined;
    if (hold) state.release = answer;
    else answer();
    return;
  }
  if (req.url === "/.well-known/jwks" && idp.holdDiscoveryUntilJwks) {
    if (state.release) {
      idp.jwksDuringDiscovery += 1;
      state.release();
    } else state.unseenJwks += 1;
  }
  if (req.url !== "/.well-known/jwks") {
    res.statusCode = 404;
    res.end();
    return;
  }
  idp.hits.jwks += 1;
  const body = JSON.stringify({ keys: idp.keys });
  switch (idp.jwksMode) {
    case "ok":
      res.setHeader("content-type", "application/json");
      res.end(body);
      return;
    case "slow":
      setTimeout(() => res.end(body), 2_000).unref();
      return;
    case "oversize-declared": {
      const padded = JSON.stringify({ keys: idp.keys, padding: "x".repeat(100 * 1024) });
      res.setHeader("content-length", Buffer.byteLength(padded));
      res.end(padded);
      return;
    }
    case "oversize-streamed": {
      // No Content-Length and no end: only a reader that stops at its cap gets out quickly.
      res.write('{"keys":[],"padding":"');
      const timer = setInterval(() => res.write("x".repeat(4096)), 1);
      res.on("close", () => clearInterval(timer));
      return;
    }
    case "html":
      res.setHeader("content-type", "text/html");
      res.end("<html>maintenance</html>");
      return;
    case "error":
      res.statusCode = 500;
      res.end("{}");
      return;
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

// An RSA signing key as a test identity provider holds it, with its published JWK.
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly publicPem: string;
}

export async function rsaKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { kid, privateKey, publicJwk: { ...jwk, kid, alg: "RS256", use: "sig" }, publicPem: await exportSPKI(publicKey) };
}
