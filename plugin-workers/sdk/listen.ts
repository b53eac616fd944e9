// Runs a worker's app on a loopback port over real HTTP: the local stack and e2e tests.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";

export interface LoopbackOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly host?: "127.0.0.1";
}

export interface LoopbackServer {
  readonly url: string;
  close(): Promise<void>;
}

export function listenOnLoopback(app: Hono, options: LoopbackOptions = {}): Promise<LoopbackServer> {
  const host = options.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    // Leave the global Request/Response alone: other apps share this process in the local stack.
    const server = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host, overrideGlobalObjects: false });
    server.once("error", reject);
    server.once("listening", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${host}:${port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            // Keep-alive sockets would hold close() open until they time out.
            if ("closeAllConnections" in server) server.closeAllConnections();
          }),
      });
    });
  });
}
