// The local-tokens worker's configuration on AWS: the table infra creates for it, what this
// function serves, and who may call its gRPC service.
import * as z from "zod/mini";
import { allowedCallersVariable } from "../sdk/allowed-callers.js";
import { ConfigError, parsedBy, readEnv, required, type Env } from "../sdk/env.js";

/** `worker`: the gRPC service, for the core only. `introspection`: only POST /introspect, for internal services. */
export type LocalTokensMode = "worker" | "introspection";

export interface LocalTokensConfig {
  readonly tableName: string;
  readonly mode: LocalTokensMode;
  /** The roles whose sessions may call the gRPC service (the vend and webhooks functions'). */
  readonly allowedCallers: readonly string[];
}

const localTokensEnv = z.pipe(
  z.object({
    LOCAL_TOKENS_TABLE: required(),
    LOCAL_TOKENS_MODE: z.pipe(z.optional(z.string()), parsedBy(parseMode)),
    CREDVEND_ALLOWED_CALLERS: allowedCallersVariable(),
  }),
  z.transform(
    (env): LocalTokensConfig => ({
      tableName: env.LOCAL_TOKENS_TABLE,
      mode: env.LOCAL_TOKENS_MODE,
      allowedCallers: env.CREDVEND_ALLOWED_CALLERS,
    }),
  ),
);

export function loadLocalTokensConfig(env: Env = process.env): LocalTokensConfig {
  return readEnv(localTokensEnv, env);
}

function parseMode(text: string | undefined): LocalTokensMode {
  const mode = text?.trim() || "worker";
  if (mode !== "worker" && mode !== "introspection")
    throw new ConfigError(`LOCAL_TOKENS_MODE: "${mode}" is neither worker nor introspection`);
  return mode;
}
