// Runs dynalite in a worker thread (see embedded-dynamodb.ts): its request parsing and LevelDB
// work then use a core of their own instead of the one serving vends.
import { parentPort, workerData } from "node:worker_threads";
import dynalite from "dynalite";

const { accessKeyId, ...options } = workerData;
const server = dynalite({ ...options, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
// dynalite checks no credentials, and any local process (an installed worker too) can reach a
// loopback port: with an access key id, only requests signed with it are served. It is no secret
// to the signer, but travels only over loopback, in a header no other process can see.
if (accessKeyId) {
  const [serve] = server.listeners("request");
  server.removeAllListeners("request");
  server.on("request", (request, response) => {
    if ((request.headers.authorization ?? "").includes(`Credential=${accessKeyId}/`)) return serve(request, response);
    response.writeHead(400, { "content-type": "application/x-amz-json-1.0" });
    response.end(
      JSON.stringify({
        __type: "com.amazon.coral.service#UnrecognizedClientException",
        message: "The security token included in the request is invalid.",
      }),
    );
  });
}
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
