// The deployed worker on AWS, from one GetFunctionConfiguration on every check (so a redeploy or a
// configuration change shows): Lambda's own `CodeSha256` (base64 SHA-256 of the deployment
// package), the layers, the handler, the runtime and the NAMES of the environment variables.
// Variable values are dropped here and go nowhere.
import { GetFunctionConfigurationCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { DeployedConfiguration } from "../../core/plugin-trust/worker-configuration.js";

export class LambdaCodeHash {
  constructor(
    private readonly client: LambdaClient,
    /** Function name or ARN (a qualified ARN pins a version or alias). */
    private readonly functionName: string,
  ) {}

  async configuration(): Promise<DeployedConfiguration> {
    const config = await this.client.send(new GetFunctionConfigurationCommand({ FunctionName: this.functionName }));
    if (!config.CodeSha256) throw new Error(`Lambda returned no CodeSha256 for ${this.functionName}`);
    const error = config.Environment?.Error;
    return {
      codeSha256: config.CodeSha256,
      lambda: {
        // Absent for a container image: "" never matches a manifest, so such a worker is refused.
        handler: config.Handler ?? "",
        runtime: config.Runtime ?? "",
        layers: (config.Layers ?? []).map((layer) => layer.Arn ?? "(a layer without an ARN)"),
        environmentNames: Object.keys(config.Environment?.Variables ?? {}).sort(),
        ...(error ? { environmentError: error.ErrorCode ?? "unknown error" } : {}),
      },
    };
  }
}
