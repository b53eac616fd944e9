// The one error type a worker throws on purpose. Its message reaches the caller; anything else a
// worker throws becomes a generic internal error, so internals and secrets stay in the worker.
import { Code, ConnectError } from "@connectrpc/connect";
import { notCanonicalMessage } from "../../plugin-protocol/convert-inline-vend.js";
import { prepareToProto } from "../../plugin-protocol/convert.js";
import type { PrepareResult } from "../../plugin-protocol/types.js";
import { PrepareResponseSchema } from "../../proto/gen/credvend/plugin/v1/plugin_pb.js";

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

/**
 * The SDK's refusal of an inline Vend (protocol 1.2) whose scopes are not all valid and canonical:
 * nothing was minted. Not a failure of the worker, so never reported as one.
 */
export class ScopesNotCanonical extends Error {
  override readonly name = "ScopesNotCanonical";
  constructor(readonly prepared: PrepareResult) {
    super(notCanonicalMessage(prepared));
  }
}

/** What goes on the wire for an error thrown by an implementation. `cause` stays server-side. */
export function toConnectError(error: unknown): ConnectError {
  // The documented refusal: FAILED_PRECONDITION with the Prepare answer as its one detail.
  if (error instanceof ScopesNotCanonical)
    return new ConnectError(error.message, Code.FailedPrecondition, undefined, [
      { desc: PrepareResponseSchema, value: prepareToProto(error.prepared) },
    ]);
  if (error instanceof PluginError) return new ConnectError(error.message, CONNECT_CODES[error.code]);
  return new ConnectError(GENERIC_INTERNAL_MESSAGE, Code.Internal);
}
