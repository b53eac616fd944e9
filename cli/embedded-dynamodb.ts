// The embedded DynamoDB API server (dynalite, in-process) on a loopback port; tables are ACTIVE
// as soon as they are created. Persisted as LevelDB when `path` is given.
import type { AddressInfo } from "node:net";
import dynalite from "dynalite";


export interface LocalDynamo {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** In memory unless `path` names a LevelDB directory. */
export async function startDynalite(options: { path?: string } = {}): Promise<LocalDynamo> {
  const server = dynalite({ ...options, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of SDK clients would otherwise hold the close open.
        server.closeAllConnections();
      }),
  };
}
