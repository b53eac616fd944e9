// The local-tokens worker's configuration on AWS: the table infra creates for it, and who may
// call its gRPC service.
import * as z from "zod/mini";
import { allowedCallersVariable, readEnv, required, type Env } from "../sdk/index.js";

export interface LocalTokensConfig {
  readonly tableName: string;
  /** The roles whose sessions may call the gRPC service (the vend and webhooks functions'). */
  readonly allowedCallers: readonly string[];
}

const localTokensEnv = z.pipe(
  z.object({ LOCAL_TOKENS_TABLE: required(), CREDVEND_ALLOWED_CALLERS: allowedCallersVariable() }),
  z.transform((env): LocalTokensConfig => ({ tableName: env.LOCAL_TOKENS_TABLE, allowedCallers: env.CREDVEND_ALLOWED_CALLERS })),
);

export function loadLocalTokensConfig(env: Env = process.env): LocalTokensConfig {
  return readEnv(localTokensEnv, env);
}
