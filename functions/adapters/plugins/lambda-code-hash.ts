// The deployed code of a worker on AWS: Lambda's own `Configuration.CodeSha256` (base64 SHA-256 of
// the deployment package), read with GetFunctionConfiguration on every check, so a redeploy shows.
import { GetFunctionConfigurationCommand, type LambdaClient } from "@aws-sdk/client-lambda";

export class LambdaCodeHash {
  constructor(
    private readonly client: LambdaClient,
    /** Function name or ARN (a qualified ARN pins a version or alias). */
    private readonly functionName: string,
  ) {}

  async codeSha256(): Promise<string> {
    const config = await this.client.send(new GetFunctionConfigurationCommand({ FunctionName: this.functionName }));
    if (!config.CodeSha256) throw new Error(`Lambda returned no CodeSha256 for ${this.functionName}`);
    return config.CodeSha256;
  }
}
