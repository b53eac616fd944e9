// A Python worker's unpacked zip run as Lambda's Python runtime runs it: a process that imports
// lambda_function from the folder and calls handler(event, context) for each Function URL event
// (payload 2.0), one JSON line in, one out. The interpreter is started with -I -S, so nothing but
// the standard library and the folder is importable: the zip must carry all it imports. It ends
// when its stdin closes (close(), or this process gone).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { functionUrlEvent } from "../unit/plugin-sdk-lambda-fetch.js";

const DRIVER = `
import json, sys
sys.path.insert(0, sys.argv[1])
import lambda_function
import google.protobuf
from google.protobuf.internal import api_implementation
ready = {"implementation": api_implementation.Type(), "protobuf": google.protobuf.__file__, "python": sys.version.split()[0]}
print(json.dumps({"ready": ready}), flush=True)
for line in sys.stdin:
    print(json.dumps(lambda_function.handler(json.loads(line), None)), flush=True)
`;

export interface PythonLambdaReady {
  /** protobuf's implementation in use: "python" when no compiled extension was found. */
  readonly implementation: string;
  /** Where google.protobuf was imported from. */
  readonly protobuf: string;
  readonly python: string;
}

interface LambdaResult {
  readonly statusCode: number;
  readonly headers?: Record<string, string>;
  readonly body: string;
  readonly isBase64Encoded: boolean;
}

export interface PythonLambda {
  readonly ready: PythonLambdaReady;
  /** One event through the handler. */
  invoke(event: unknown): Promise<LambdaResult>;
  /** A fetch through the handler as a Function URL passes it, signed by `caller` (null: no IAM auth). */
  fetchAs(caller: string | null): typeof fetch;
  close(): void;
}

/** `python` (an interpreter path) runs the handler in `dir` (the unpacked zip) with `env` only. */
export async function startPythonLambda(python: string, dir: string, env: Record<string, string>): Promise<PythonLambda> {
  const child = spawn(python, ["-I", "-S", "-c", DRIVER, dir], { stdio: ["pipe", "pipe", "pipe"], env });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<unknown> => {
    const line = await lines.next();
    if (line.done) throw new Error(`the Python handler exited: ${stderr}`);
    return JSON.parse(line.value);
  };
  const { ready } = (await next()) as { ready: PythonLambdaReady };
  // One event at a time, in order: Lambda gives an instance one event at a time too.
  let queue: Promise<unknown> = Promise.resolve();
  const invoke = (event: unknown): Promise<LambdaResult> => {
    const answer = queue.then(() => {
      child.stdin.write(`${JSON.stringify(event)}\n`);
      return next() as Promise<LambdaResult>;
    });
    queue = answer.catch(() => undefined);
    return answer;
  };
  return {
    ready,
    invoke,
    fetchAs: (caller) => async (input, init) => {
      const result = await invoke(await functionUrlEvent(new Request(input, init), caller));
      const body = result.isBase64Encoded ? Buffer.from(result.body, "base64") : result.body;
      return new Response(body, { status: result.statusCode, headers: result.headers ?? {} });
    },
    close: () => void child.stdin.end(),
  };
}
