// The local-tokens worker's configuration on AWS: the table infra creates for it.
import * as z from "zod/mini";
import { readEnv, required, type Env } from "../sdk/index.js";

export interface LocalTokensConfig {
  readonly tableName: string;
}

const localTokensEnv = z.pipe(
  z.object({ LOCAL_TOKENS_TABLE: required() }),
  z.transform((env): LocalTokensConfig => ({ tableName: env.LOCAL_TOKENS_TABLE })),
);

export function loadLocalTokensConfig(env: Env = process.env): LocalTokensConfig {
  return readEnv(localTokensEnv, env);
}
