// The caller's deadline (grpc-timeout, which Connect turns into the handler context's signal): a
// step still running when it passes is answered DEADLINE_EXCEEDED at once, as the Python SDK does,
// rather than whenever the step ends. The step itself runs on; its result is dropped.
import { Code, ConnectError } from "@connectrpc/connect";

export const DEADLINE_MESSAGE = "the call's deadline (grpc-timeout) passed before the worker answered";

export function untilDeadline<R>(step: Promise<R>, signal: AbortSignal | undefined): Promise<R> {
  if (!signal) return step;
  return new Promise<R>((resolve, reject) => {
    const passed = () => {
      // Only the deadline: a caller gone (its request aborted) leaves the step to end as before.
      if (isDeadlineExceeded(signal.reason)) reject(new ConnectError(DEADLINE_MESSAGE, Code.DeadlineExceeded));
    };
    step.then(resolve, reject).finally(() => signal.removeEventListener("abort", passed));
    if (signal.aborted) passed();
    else signal.addEventListener("abort", passed, { once: true });
  });
}

export function isDeadlineExceeded(error: unknown): error is ConnectError {
  return error instanceof ConnectError && error.code === Code.DeadlineExceeded;
}
