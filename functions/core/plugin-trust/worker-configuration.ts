// How Lambda runs a worker, and the rules that bind it to the signed manifest. The code hash alone
// does not say what runs: with lambda:UpdateFunctionConfiguration, NODE_OPTIONS=--import=data:…, a
// layer, AWS_LAMBDA_EXEC_WRAPPER or another handler runs foreign code beside the signed zip. So
// the manifest also signs the handler, the runtime and the NAMES of the environment variables the
// worker may be deployed with, and a signed worker has no layers.

/** What the deployed worker is, as one Lambda GetFunctionConfiguration answers it. */
export interface DeployedConfiguration {
  /** Base64 SHA-256 of the deployed zip, as Lambda's `CodeSha256`. */
  readonly codeSha256: string;
  /**
   * How Lambda starts the code. Absent for a worker the core starts itself from a local zip
   * (`codeZip`): its handler and runtime are the manifest's by construction, so there only the
   * code hash is checked.
   */
  readonly lambda?: LambdaConfiguration;
}

export interface LambdaConfiguration {
  readonly handler: string;
  /** Lambda's runtime identifier, e.g. `nodejs24.x`. */
  readonly runtime: string;
  /** Layer ARNs. */
  readonly layers: readonly string[];
  /** Names of the function's environment variables: values never leave the adapter. */
  readonly environmentNames: readonly string[];
  /** Set when Lambda could not show the variables (e.g. a KMS key the caller cannot use). */
  readonly environmentError?: string;
}

/**
 * Variables that make a runtime load code the manifest does not cover (preloads, module paths,
 * startup hooks, wrappers) or change whom it trusts over TLS or where its traffic goes (CA bundles,
 * proxies), in any runtime a worker may use. No manifest may allow them, whatever its signature:
 * refused at sign, at synth and by the core. A family that grows with each release (Python's,
 * .NET's, the loader's) is refused by prefix, so next year's variable is refused too.
 */
export const FORBIDDEN_ENVIRONMENT: readonly string[] = [
  // Node
  "NODE_OPTIONS",
  "NODE_PATH",
  "NODE_EXTRA_CA_CERTS",
  "NODE_TLS_REJECT_UNAUTHORIZED",
  "NODE_USE_ENV_PROXY",
  "NODE_USE_SYSTEM_CA",
  "NODE_REPL_EXTERNAL_MODULE",
  "NODE_COMPILE_CACHE",
  "NODE_ICU_DATA",
  // Java
  "CLASSPATH",
  // Ruby
  "GEM_HOME",
  "GEM_PATH",
  "BUNDLE_GEMFILE",
  // Shells (a custom runtime's bootstrap) and Go
  "BASH_ENV",
  "ENV",
  "PATH",
  "GODEBUG",
  // AWS Lambda's own startup
  "_HANDLER",
  // TLS trust
  "AWS_CA_BUNDLE",
  "REQUESTS_CA_BUNDLE",
  "CURL_CA_BUNDLE",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  // Proxies (any case: compared upper-cased)
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "ALL_PROXY",
  "NO_PROXY",
  "FTP_PROXY",
];

/** Families refused by prefix: every variable whose upper-cased name starts with one. */
export const FORBIDDEN_ENVIRONMENT_PREFIXES: readonly string[] = [
  "PYTHON", // PYTHONPATH, PYTHONSTARTUP, PYTHONHOME, PYTHONINSPECT, PYTHONWARNINGS, …
  "JAVA_", // JAVA_TOOL_OPTIONS, JAVA_OPTS, JAVA_HOME
  "_JAVA_", // _JAVA_OPTIONS
  "JDK_", // JDK_JAVA_OPTIONS
  "DOTNET_", // DOTNET_STARTUP_HOOKS, DOTNET_ADDITIONAL_DEPS, …
  "COMPLUS_", // .NET's older spelling of DOTNET_
  "CORECLR_", // CORECLR_ENABLE_PROFILING, CORECLR_PROFILER_PATH, …
  "COR_", // COR_PROFILER, COR_PROFILER_PATH, …
  "ASPNETCORE_HOSTINGSTARTUP", // ASPNETCORE_HOSTINGSTARTUPASSEMBLIES
  "RUBY", // RUBYOPT, RUBYLIB, RUBYPATH, RUBYSHELL
  "PERL", // PERL5OPT, PERL5LIB, PERLLIB, PERL5DB
  "LD_", // LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, …
  "DYLD_",
  "BASH_FUNC_",
  "OPENSSL_", // OPENSSL_CONF loads engines and providers
  "AWS_LAMBDA_", // AWS_LAMBDA_EXEC_WRAPPER, AWS_LAMBDA_RUNTIME_API, …
  "LAMBDA_", // LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR
];

/** Case-insensitive, so a lower-case spelling (http_proxy) cannot be listed in its place. */
export function isForbiddenEnvironmentName(name: string): boolean {
  const upper = name.toUpperCase();
  return FORBIDDEN_ENVIRONMENT.includes(upper) || FORBIDDEN_ENVIRONMENT_PREFIXES.some((prefix) => upper.startsWith(prefix));
}

/**
 * A manifest's runtime is an exact Lambda identifier (`nodejs24.x`, `python3.13`) or a family
 * (`nodejs`, `python`): a family accepts any of its versions, so a runtime upgrade of the stack
 * does not need a new signature, while another language never passes.
 */
export function runtimeMatches(signed: string, deployed: string): boolean {
  if (signed === deployed) return true;
  const isFamily = /^[a-z]+$/.test(signed);
  return isFamily && deployed.startsWith(signed) && /^[0-9.]/.test(deployed.slice(signed.length));
}

/** The part of a manifest that binds the configuration. */
export interface SignedConfiguration {
  readonly handler: string;
  readonly runtime: string;
  readonly environment: readonly string[];
}

export type ConfigurationField = "layers" | "handler" | "runtime" | "environment";

export interface ConfigurationDifference {
  readonly field: ConfigurationField;
  /** Names what differs; never an environment variable's value. */
  readonly detail: string;
}

/** Every way the deployed configuration differs from the signed one; empty when it conforms. */
export function configurationDifferences(signed: SignedConfiguration, deployed: LambdaConfiguration): ConfigurationDifference[] {
  const differences: ConfigurationDifference[] = [];
  if (deployed.layers.length > 0)
    differences.push({
      field: "layers",
      detail: `layers ${deployed.layers.join(", ")} are attached (a signed worker runs without layers)`,
    });
  if (deployed.handler !== signed.handler)
    differences.push({ field: "handler", detail: `handler "${deployed.handler}" is not the signed "${signed.handler}"` });
  if (!runtimeMatches(signed.runtime, deployed.runtime))
    differences.push({ field: "runtime", detail: `runtime "${deployed.runtime}" is not the signed "${signed.runtime}"` });
  if (deployed.environmentError !== undefined)
    differences.push({
      field: "environment",
      detail: `the environment variables cannot be read (${deployed.environmentError}), so they cannot be checked`,
    });
  const names = [...deployed.environmentNames].sort();
  const forbidden = names.filter(isForbiddenEnvironmentName);
  if (forbidden.length > 0)
    differences.push({ field: "environment", detail: `environment variable ${forbidden.join(", ")} is set, which no worker may have` });
  const unlisted = names.filter((name) => !isForbiddenEnvironmentName(name) && !signed.environment.includes(name));
  if (unlisted.length > 0)
    differences.push({ field: "environment", detail: `environment variable ${unlisted.join(", ")} is not in the manifest's allowlist` });
  return differences;
}
