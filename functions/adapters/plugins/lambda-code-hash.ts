// The deployed worker on AWS, from one GetFunctionConfiguration on every check (so a redeploy or a
// configuration change shows): Lambda's own `CodeSha256` (base64 SHA-256 of the deployment
// package), the layers, the handler, the runtime and the NAMES of the environment variables.
// Variable values are dropped here and go nowhere, errors included.
import type { DeployedConfiguration } from "../../core/plugin-trust/worker-configuration.js";
import type { LambdaConfigurationApi } from "./lambda-configuration-api.js";

export class LambdaCodeHash {
  constructor(
    private readonly api: Pick<LambdaConfigurationApi, "getFunctionConfiguration">,
    /** Function name or ARN (a qualified ARN pins a version or alias). */
    private readonly functionName: string,
  ) {}

  async configuration(): Promise<DeployedConfiguration> {
    return deployedConfigurationOf(await this.api.getFunctionConfiguration(this.functionName), this.functionName);
  }
}

/** Lambda's FunctionConfiguration JSON read field by field; a field of another shape is named, never quoted. */
function deployedConfigurationOf(answer: unknown, functionName: string): DeployedConfiguration {
  const unexpected = (field: string) => new Error(`Lambda's configuration of ${functionName} has ${field} of an unexpected shape`);
  if (!isObject(answer)) throw unexpected("a body");
  const { CodeSha256, Handler, Runtime, Layers, Environment } = answer;
  if (CodeSha256 === undefined || CodeSha256 === null || CodeSha256 === "")
    throw new Error(`Lambda returned no CodeSha256 for ${functionName}`);
  if (typeof CodeSha256 !== "string") throw unexpected("CodeSha256");
  const optionalString = (value: unknown, field: string): string => {
    // Absent for a container image: "" never matches a manifest, so such a worker is refused.
    if (value === undefined || value === null) return "";
    if (typeof value !== "string") throw unexpected(field);
    return value;
  };
  const layers = Layers ?? [];
  if (!Array.isArray(layers)) throw unexpected("Layers");
  const environment = Environment ?? {};
  if (!isObject(environment)) throw unexpected("Environment");
  const variables = environment.Variables ?? {};
  if (!isObject(variables)) throw unexpected("Environment.Variables");
  const error = environment.Error;
  if (error !== undefined && error !== null && !isObject(error)) throw unexpected("Environment.Error");
  return {
    codeSha256: CodeSha256,
    lambda: {
      handler: optionalString(Handler, "Handler"),
      runtime: optionalString(Runtime, "Runtime"),
      layers: layers.map((layer: unknown, i) => {
        if (!isObject(layer)) throw unexpected(`Layers[${i}]`);
        return layer.Arn === undefined || layer.Arn === null ? "(a layer without an ARN)" : optionalString(layer.Arn, `Layers[${i}].Arn`);
      }),
      environmentNames: Object.keys(variables).sort(),
      ...(error ? { environmentError: optionalString(error.ErrorCode, "Environment.Error.ErrorCode") || "unknown error" } : {}),
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
