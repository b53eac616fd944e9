export type { Awaitable, PluginImplementation } from "./plugin-implementation.js";
export { GENERIC_INTERNAL_MESSAGE, PluginError, type PluginErrorCode } from "./plugin-error.js";
export { capabilitiesOf, describePlugin, type PluginErrorReporter } from "./plugin-service.js";
export {
  DEFAULT_MAX_BODY_BYTES,
  servePlugin,
  type PluginLambdaHandler,
  type ServePluginOptions,
  type ServedPlugin,
} from "./serve-plugin.js";
export { createPluginTestClient, type PluginTestClient } from "./test-client.js";
export { systemClock, type Clock } from "./clock.js";
export { Refreshing, SECRET_TTL_MS, type RefreshingOptions } from "./refreshing.js";
export { listenOnLoopback, type LoopbackOptions, type LoopbackServer } from "./listen.js";
export {
  ALLOWED_CALLERS_VARIABLE,
  allowedCallersVariable,
  loadAllowedCallers,
  parseAllowedCallers,
} from "./allowed-callers.js";
export type { CallerAuthentication, CallerRefusal } from "./caller-check.js";
export { CALLER_SECRET_HEADER } from "../../plugin-protocol/caller-secret.js";
export { ConfigError, parsedBy, readEnv, required, together, wholeNumber, type Env } from "./env.js";
export { PLUGIN_PROTOCOL, PROTOCOL_VERSION } from "../../plugin-protocol/protocol-version.js";
