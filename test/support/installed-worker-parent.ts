// A stand-in for `credvend dev` that runs one installed worker process (worker-process.ts) from
// the folder given as its argument, prints "<pid> <url>" on its first line and then waits: a test
// kills it with SIGKILL to see that the worker does not outlive it. Run with `node --import tsx`.
import { join } from "node:path";
import { permissionFlag } from "../../cli/dev/node-sandbox.js";
import { startWorkerProcess } from "../../cli/dev/worker-process.js";

const dir = process.argv[2]!;
const worker = await startWorkerProcess({
  name: "orphan-check",
  dir,
  modulePath: join(dir, "index.mjs"),
  exportName: "handler",
  env: {},
  callerSecret: "a-caller-secret-of-at-least-16-chars",
  permission: permissionFlag(),
  logger: { log: () => undefined },
});
process.stdout.write(`${worker.pid} ${worker.url}\n`);
setInterval(() => undefined, 60_000);
