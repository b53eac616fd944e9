// The plugin contract: everything the broker and a worker share, and nothing else of either.
// Imports only the generated protobuf code and @bufbuild/protobuf, so a worker takes no part of
// the broker with it.
export type { Claims } from "./claims.js";
export * from "./convert.js";
export * from "./convert-trust-policy.js";
export { IDENTITY_MESSAGE, IDENTITY_PATTERN, isIdentity } from "./identity.js";
export { PLUGIN_PROTOCOL, PROTOCOL_VERSION } from "./protocol-version.js";
export { readCapped } from "./read-capped.js";
export { formatScope, parseScope, ScopeSyntaxError, type Scope } from "./scope.js";
export { tokenHash } from "./token-hash.js";
export type * from "./types.js";
