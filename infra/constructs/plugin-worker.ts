// One plugin worker: its Lambda and a Function URL with AWS_IAM auth, so only principals granted
// here (the vend and webhooks functions, signing with SigV4) can call it.
import { Stack } from "aws-cdk-lib";
import { ArnPrincipal, PolicyStatement, type IGrantable } from "aws-cdk-lib/aws-iam";
import { FunctionUrlAuthType, type FunctionUrl } from "aws-cdk-lib/aws-lambda";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { ResolvedWorker } from "../config/resolved-worker.js";
import { parseManifest } from "../../functions/core/plugin-trust/index.js";
import { CredvendFunction } from "./credvend-function.js";

export interface PluginWorkerProps {
  readonly worker: ResolvedWorker;
  readonly logRetention: RetentionDays;
}

/** One entry of the vend/webhooks functions' CREDVEND_WORKERS list. */
export interface WorkerRegistrationJson {
  readonly name: string;
  readonly url: string;
  readonly providers: readonly string[];
  /** For the code and configuration check (GetFunctionConfiguration). */
  readonly functionName: string;
  readonly allowUnsigned: boolean;
  /** manifest.json (parsed) and manifest.sig (base64), when the worker is signed. */
  readonly manifest?: unknown;
  readonly signature?: string;
}

export class PluginWorker extends Construct {
  public readonly worker: ResolvedWorker;
  public readonly lambda: CredvendFunction;
  public readonly url: FunctionUrl;

  constructor(scope: Construct, id: string, props: PluginWorkerProps) {
    super(scope, id);
    this.worker = props.worker;
    const { signed, entryPath } = props.worker;
    this.lambda = new CredvendFunction(this, "Worker", {
      description: `plugin worker ${props.worker.name} (${props.worker.providers.join(", ")})`,
      code: signed ? { zip: signed.zipPath, handler: props.worker.package!.handler } : { entry: entryPath! },
      settings: props.worker.settings,
      logRetention: props.logRetention,
      environment: props.worker.environment,
      // Verified at synth, so it parses; the function refuses any variable the manifest does not allow.
      ...(signed ? { allowedEnvironment: parseManifest(signed.manifest).environment } : {}),
    });
    this.url = this.lambda.function.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
    // Outside callers get a resource policy for the URL (SigV4-signed calls) and nothing else.
    for (const arn of props.worker.invokers) this.lambda.function.grantInvokeUrl(new ArnPrincipal(arn));
  }

  /** Lets a function call this worker (SigV4-signed requests to the Function URL) and check its code and configuration. */
  grantCaller(caller: IGrantable): void {
    this.lambda.function.grantInvokeUrl(caller);
    caller.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ["lambda:GetFunctionConfiguration"], resources: [this.lambda.function.functionArn] }),
    );
  }

  registration(): WorkerRegistrationJson {
    return {
      name: this.worker.name,
      url: this.url.url,
      providers: this.worker.providers,
      functionName: this.lambda.function.functionArn,
      allowUnsigned: this.worker.allowUnsigned,
      ...(this.worker.signed ? { manifest: this.worker.signed.manifest, signature: this.worker.signed.signature } : {}),
    };
  }
}

/** CREDVEND_WORKERS as CloudFormation resolves it (URLs and ARNs are only known at deploy). */
export function workersJson(scope: Construct, workers: readonly PluginWorker[]): string {
  return Stack.of(scope).toJsonString(workers.map((worker) => worker.registration()));
}
