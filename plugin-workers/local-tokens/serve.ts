// Runs local-tokens on a loopback port over real HTTP: `npm start` and the e2e tests. The gRPC
// service takes only calls carrying `callerSecret` (the core's); /introspect is open to local services.
import { listenOnLoopback, type LoopbackServer } from "../sdk/listen.js";
import type { LocalTokenStore } from "./store.js";
import { serveLocalTokens } from "./worker.js";

export interface StartLocalTokensOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly host?: "127.0.0.1";
  readonly store: LocalTokenStore;
  /** The secret the core sends with every gRPC call; without it any local process may call (tests only). */
  readonly callerSecret?: string;
}

export async function startLocalTokensWorker(options: StartLocalTokensOptions): Promise<LoopbackServer> {
  const { app } = serveLocalTokens(
    { store: options.store },
    { introspection: true, ...(options.callerSecret === undefined ? {} : { callerSecret: options.callerSecret }) },
  );
  return listenOnLoopback(app, {
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
  });
}
