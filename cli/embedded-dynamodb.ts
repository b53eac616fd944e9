// The embedded DynamoDB API server (dynalite) on a loopback port; tables are ACTIVE as soon as
// they are created. Persisted as LevelDB when `path` is given. It runs in a worker thread of this
// process, so the stack and its database each get a core on a 2-core machine.
import { once } from "node:events";
import { Worker } from "node:worker_threads";

export interface LocalDynamo {
  readonly endpoint: string;
  close(): Promise<void>;
}

type ThreadMessage = { port: number } | { error: string } | { closed: true };

/**
 * In memory unless `path` names a LevelDB directory. With `accessKeyId`, only requests signed
 * with that access key id are served (the local stack's, so no other local process reads the ledger).
 */
export async function startDynalite(options: { path?: string; accessKeyId?: string } = {}): Promise<LocalDynamo> {
  const thread = new Worker(new URL("./dynalite-thread.mjs", import.meta.url), { workerData: options });
  const [first] = (await Promise.race([once(thread, "message"), once(thread, "error").then(([error]) => Promise.reject(error))])) as [
    ThreadMessage,
  ];
  if (!("port" in first)) {
    await thread.terminate();
    throw new Error(`embedded DynamoDB did not start: ${"error" in first ? first.error : "no port"}`);
  }
  // The thread must not keep a CLI or test process alive on its own.
  thread.unref();
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${first.port}`,
    close: () =>
      (closing ??= (async () => {
        const exited = once(thread, "exit");
        // Keep the process alive until the thread has flushed and exited.
        thread.ref();
        thread.postMessage("close");
        await exited;
      })()),
  };
}
