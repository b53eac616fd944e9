/** A function's configuration is wrong; the message names the variable (and field) at fault. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}
