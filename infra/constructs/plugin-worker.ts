// One plugin worker: its Lambda and a Function URL with AWS_IAM auth, so only principals granted
// here (the vend and webhooks functions, signing with SigV4) can call it.
import { Stack } from "aws-cdk-lib";
import { PolicyStatement, type IGrantable } from "aws-cdk-lib/aws-iam";
import { FunctionUrlAuthType, type FunctionUrl } from "aws-cdk-lib/aws-lambda";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { ResolvedWorker } from "../config/load-config.js";
import { CredvendFunction } from "./credvend-function.js";
import type { AssetFile } from "./function-defaults.js";

export interface PluginWorkerProps {
  readonly worker: ResolvedWorker;
  readonly logRetention: RetentionDays;
}

/** One entry of the vend/webhooks functions' CREDVEND_WORKERS list. */
export interface WorkerRegistrationJson {
  readonly name: string;
  readonly url: string;
  readonly providers: readonly string[];
  /** For the code-hash check (GetFunctionConfiguration → CodeSha256). */
  readonly functionName: string;
  readonly allowUnsigned: boolean;
  /** Manifest and signature paths inside the caller's code, when the worker is signed. */
  readonly manifest?: string;
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
    });
    this.url = this.lambda.function.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
  }

  /** Lets a function call this worker (SigV4-signed requests to the Function URL) and check its code hash. */
  grantCaller(caller: IGrantable): void {
    this.lambda.function.grantInvokeUrl(caller);
    caller.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ["lambda:GetFunctionConfiguration"], resources: [this.lambda.function.functionArn] }),
    );
  }

  /** Manifest files shipped inside a caller's code, so it can verify the worker before calling it. */
  manifestFiles(): AssetFile[] {
    const signed = this.worker.signed;
    if (!signed) return [];
    return [
      { from: signed.manifestPath, to: `workers/${this.worker.name}/manifest.json` },
      { from: signed.signaturePath, to: `workers/${this.worker.name}/manifest.sig` },
    ];
  }

  registration(taskRoot: string): WorkerRegistrationJson {
    return {
      name: this.worker.name,
      url: this.url.url,
      providers: this.worker.providers,
      functionName: this.lambda.function.functionArn,
      allowUnsigned: this.worker.allowUnsigned,
      ...(this.worker.signed
        ? {
            manifest: `${taskRoot}/workers/${this.worker.name}/manifest.json`,
            signature: `${taskRoot}/workers/${this.worker.name}/manifest.sig`,
          }
        : {}),
    };
  }
}

/** CREDVEND_WORKERS as CloudFormation resolves it (URLs and ARNs are only known at deploy). */
export function workersJson(scope: Construct, workers: readonly PluginWorker[], taskRoot: string): string {
  return Stack.of(scope).toJsonString(workers.map((worker) => worker.registration(taskRoot)));
}
