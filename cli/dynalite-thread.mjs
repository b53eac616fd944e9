// Runs dynalite in a worker thread (see embedded-dynamodb.ts): its request parsing and LevelDB
// work then use a core of their own instead of the one serving vends.
import { parentPort, workerData } from "node:worker_threads";
import dynalite from "dynalite";

const server = dynalite({ ...workerData, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.once("error", (error) => parentPort.postMessage({ error: error.message }));
server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
parentPort.on("message", (message) => {
  if (message !== "close") return;
  server.close(() => {
    parentPort.postMessage({ closed: true });
    parentPort.close();
  });
  // Keep-alive sockets of SDK clients would otherwise hold the close open.
  server.closeAllConnections();
});
