// One aws-sts worker as its own OS process, configured by its environment exactly as on Lambda
// (serve.ts → config.ts → compose.ts): what two Lambda environments are to each other. Run with
// `node --import tsx`; prints its URL on the first line of stdout and stops when stdin closes
// (so it cannot outlive the test process that spawned it).
import { startAwsStsWorker } from "../../plugin-workers/aws-sts/serve.js";

const worker = await startAwsStsWorker({ port: 0 });
process.stdout.write(`${worker.url}\n`);
process.stdin.resume();
process.stdin.once("end", () => {
  void worker.close().finally(() => process.exit(0));
});
