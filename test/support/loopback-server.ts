// A node:http server for a test stand-in, on a free loopback port, with a close() that does not
// wait for keep-alive sockets to time out.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface LoopbackListening {
  readonly url: string;
  close(): Promise<void>;
}

export async function listenOnLoopbackPort(server: Server): Promise<LoopbackListening> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
