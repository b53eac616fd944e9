// One plugin worker: its Lambda and a Function URL with AWS_IAM auth. The principals granted here
// (the vend and webhooks functions, signing with SigV4) may invoke the URL, and the same roles are
// the worker's CREDVEND_ALLOWED_CALLERS: anyone else who can invoke it (an admin, a deploy role,
// a configured invoker) is refused by the worker itself before any gRPC step runs.
import { Lazy, Stack } from "aws-cdk-lib";
import { PolicyStatement, type IRole } from "aws-cdk-lib/aws-iam";
import { FunctionUrlAuthType, type FunctionUrl } from "aws-cdk-lib/aws-lambda";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { ALLOWED_CALLERS_VARIABLE } from "../../plugin-workers/sdk/allowed-callers.js";
import type { ResolvedWorker } from "../config/resolved-worker.js";
import { parseManifest } from "../../functions/core/plugin-trust/index.js";
import { CredvendFunction, type FunctionCode } from "./credvend-function.js";
import { LAMBDA_PYTHON_RUNTIME } from "./function-defaults.js";

export interface PluginWorkerProps {
  readonly worker: ResolvedWorker;
  readonly logRetention: RetentionDays;
}

/** One entry of the core functions' CREDVEND_WORKERS list: only what is known at deploy. */
export interface WorkerRegistrationJson {
  readonly name: string;
  readonly url: string;
  /** For the code and configuration check (GetFunctionConfiguration): the function's name, shorter than its ARN. */
  readonly functionName: string;
}

/** credvend.workers.json in the core functions' code: what synth knows of each worker, by name. */
export type WorkerManifestsJson = Record<
  string,
  { readonly providers: readonly string[]; readonly allowUnsigned: boolean; readonly manifest?: unknown; readonly signature?: string }
>;

export class PluginWorker extends Construct {
  public readonly worker: ResolvedWorker;
  public readonly lambda: CredvendFunction;
  public readonly url: FunctionUrl;
  /** The worker's code, for another function running the same bytes (local-tokens' introspection). */
  public readonly code: FunctionCode;
  private readonly callers: IRole[] = [];

  constructor(scope: Construct, id: string, props: PluginWorkerProps) {
    super(scope, id);
    this.worker = props.worker;
    const { signed, entryPath } = props.worker;
    const python = props.worker.package?.runtime === "python" ? { runtime: LAMBDA_PYTHON_RUNTIME } : {};
    this.code = signed ? { zip: signed.zipPath, handler: props.worker.package!.handler, ...python } : { entry: entryPath! };
    this.lambda = new CredvendFunction(this, "Worker", {
      description: `plugin worker ${props.worker.name} (${props.worker.providers.join(", ")})`,
      code: this.code,
      settings: props.worker.settings,
      logRetention: props.logRetention,
      environment: props.worker.environment,
      // Verified at synth, so it parses; the function refuses any variable the manifest does not allow.
      ...(signed ? { allowedEnvironment: parseManifest(signed.manifest).environment } : {}),
    });
    this.url = this.lambda.function.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
    // Exactly the roles granted below; none (fail closed) until a function is. The roles are
    // resources of their own, so this creates no cycle with the core's CREDVEND_WORKERS.
    this.lambda.addEnvironment(
      ALLOWED_CALLERS_VARIABLE,
      Lazy.string({ produce: () => Stack.of(this).toJsonString(this.callers.map((role) => role.roleArn)) }),
    );
  }

  /**
   * Lets a function's role call this worker (SigV4-signed requests to the Function URL), be
   * accepted by it (CREDVEND_ALLOWED_CALLERS) and check its code and configuration.
   */
  grantCaller(caller: IRole): void {
    this.callers.push(caller);
    this.lambda.function.grantInvokeUrl(caller);
    caller.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ["lambda:GetFunctionConfiguration"], resources: [this.lambda.function.functionArn] }),
    );
  }

  registration(): WorkerRegistrationJson {
    return {
      name: this.worker.name,
      url: this.url.url,
      functionName: this.lambda.function.functionName,
    };
  }
}

/** Travels in the code asset, not the 4 KB environment: known at synth, unlike URLs and function names. */
export function workerManifestsJson(workers: readonly PluginWorker[]): WorkerManifestsJson {
  return Object.fromEntries(
    workers.map(({ worker }) => [
      worker.name,
      {
        providers: worker.providers,
        allowUnsigned: worker.allowUnsigned,
        ...(worker.signed ? { manifest: worker.signed.manifest, signature: worker.signed.signature } : {}),
      },
    ]),
  );
}

/** CREDVEND_WORKERS as CloudFormation resolves it (URLs and ARNs are only known at deploy). */
export function workersJson(scope: Construct, workers: readonly PluginWorker[]): string {
  return Stack.of(scope).toJsonString(workers.map((worker) => worker.registration()));
}
