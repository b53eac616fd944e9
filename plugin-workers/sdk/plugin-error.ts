// The one error type a worker throws on purpose. Its message reaches the caller; anything else a
// worker throws becomes a generic internal error, so internals and secrets stay in the worker.
import { Code, ConnectError } from "@connectrpc/connect";

export type PluginErrorCode = "invalid_argument" | "not_found" | "unavailable" | "internal" | "permission_denied";

const CONNECT_CODES: Record<PluginErrorCode, Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  unavailable: Code.Unavailable,
  internal: Code.Internal,
  permission_denied: Code.PermissionDenied,
};

export class PluginError extends Error {
  override readonly name = "PluginError";
  constructor(
    readonly code: PluginErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const GENERIC_INTERNAL_MESSAGE = "internal error in the worker";

/** What a caller reads back from the wire: the worker's PluginError, or a generic internal one. */
export function fromConnectError(error: ConnectError): PluginError {
  const code = (Object.keys(CONNECT_CODES) as PluginErrorCode[]).find((key) => CONNECT_CODES[key] === error.code) ?? "internal";
  return new PluginError(code, error.rawMessage, { cause: error });
}

/** What goes on the wire for an error thrown by an implementation. `cause` stays server-side. */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof PluginError) return new ConnectError(error.message, CONNECT_CODES[error.code]);
  return new ConnectError(GENERIC_INTERNAL_MESSAGE, Code.Internal);
}
