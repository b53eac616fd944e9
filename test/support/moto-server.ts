// moto's server (`moto_server`, a Python stand-in for AWS APIs) as a child process on a free
// loopback port: STS and IAM at their real HTTP APIs, for end-to-end tests of the aws-sts worker.
// Without `moto_server` on PATH (pip install 'moto[server]') it says why the test skips; CI sets
// CREDVEND_REQUIRE_MOTO=1 to turn that reason into an error, so the test cannot silently skip there.
import { freePort, onPath, spawnWatched, waitUntilReady } from "./watched-process.js";

const READY_TIMEOUT_MS = 30_000;
/** Another process may take the free port before moto binds it: then moto exits and we retry. */
const ATTEMPTS = 3;

export interface MotoServer {
  /** http://127.0.0.1:<port>, for AWS_ENDPOINT_URL_STS or an SDK client's `endpoint`. */
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Why moto cannot run here, or undefined when it can; throws under CREDVEND_REQUIRE_MOTO=1. */
export function motoMissing(): string | undefined {
  if (onPath("moto_server")) return undefined;
  const reason = "moto_server is not on PATH (pip install 'moto[server]')";
  if (process.env.CREDVEND_REQUIRE_MOTO === "1") throw new Error(`moto is required here (CREDVEND_REQUIRE_MOTO=1): ${reason}`);
  return reason;
}

export async function startMotoServer(): Promise<MotoServer> {
  let failure = "";
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const moto = spawnWatched(["moto_server", "-H", "127.0.0.1", "-p", String(port)]);
    try {
      await waitUntilReady(
        moto,
        async () => (await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) })).ok,
        READY_TIMEOUT_MS,
      );
      return { endpoint, close: moto.close };
    } catch (error) {
      const exited = moto.hasExited();
      await moto.close();
      failure = `${error instanceof Error ? error.message : String(error)} (port ${port})\n${moto.output()}`;
      if (!exited) break; // it ran but never answered: another port will not help
    }
  }
  throw new Error(`moto_server did not start: ${failure}`);
}
