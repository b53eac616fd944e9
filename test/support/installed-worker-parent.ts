// A stand-in for `credvend dev` that runs one installed worker process (worker-process.ts) from
// the folder given as its argument (a Python worker's, run under bubblewrap, when the second
// argument is "python"), prints "<pid> <url>" on its first line and then waits: a test
// kills it with SIGKILL to see that the worker does not outlive it. Run with `node --import tsx`.
import { join } from "node:path";
import { permissionFlag } from "../../cli/dev/node-sandbox.js";
import { pythonSandbox, pythonWorkerCommand } from "../../cli/dev/python-sandbox.js";
import { startWorkerProcess } from "../../cli/dev/worker-process.js";

const dir = process.argv[2]!;
const sandbox = process.argv[3] === "python" ? pythonSandbox() : undefined;
if (sandbox && !("bwrap" in sandbox)) throw new Error(sandbox.unavailable);
const common = {
  name: "orphan-check",
  dir,
  env: {},
  callerSecret: "a-caller-secret-of-at-least-16-chars",
  logger: { log: () => undefined },
};
const worker = await startWorkerProcess(
  sandbox
    ? { ...common, ...pythonWorkerCommand(sandbox, dir) }
    : { ...common, modulePath: join(dir, "index.mjs"), exportName: "handler", permission: permissionFlag() },
);
process.stdout.write(`${worker.pid} ${worker.url}\n`);
setInterval(() => undefined, 60_000);
