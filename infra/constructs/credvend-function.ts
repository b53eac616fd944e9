// One credvend Lambda: its own role (no managed policies; each grant is added by whoever wires
// it), its own log group with retention, arm64 on the newest Node runtime, bundled and minified
// — or, for a signed worker, the signed zip uploaded byte for byte, with only the environment
// variable names its manifest allows. No NODE_OPTIONS: a signed worker may not have it at all.
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Code, Function as LambdaFunction, type Runtime } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { FunctionSettings } from "../config/schema.js";
import { REPO_ROOT } from "../paths.js";
import { bundlingOptions, LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME, type AssetFile } from "./function-defaults.js";

export type FunctionCode =
  /** A TypeScript entry bundled with esbuild at synth; `files` are copied beside the bundle. */
  | { readonly entry: string; readonly files?: readonly AssetFile[] }
  /**
   * A prebuilt zip deployed unchanged (Lambda's CodeSha256 = base64 SHA-256 of these bytes), on
   * the stack's Node runtime or another (a Python worker's).
   */
  | { readonly zip: string; readonly handler: string; readonly runtime?: Runtime };

export interface CredvendFunctionProps {
  readonly description: string;
  readonly code: FunctionCode;
  readonly settings: FunctionSettings;
  readonly logRetention: RetentionDays;
  readonly environment?: Readonly<Record<string, string>>;
  /** The only variable names this function may get (a signed worker's manifest allowlist). */
  readonly allowedEnvironment?: readonly string[];
}

export class CredvendFunction extends Construct {
  public readonly function: LambdaFunction;
  public readonly role: Role;
  public readonly logGroup: LogGroup;
  private readonly allowedEnvironment: readonly string[] | undefined;

  constructor(scope: Construct, id: string, props: CredvendFunctionProps) {
    super(scope, id);
    this.allowedEnvironment = props.allowedEnvironment;
    for (const name of Object.keys(props.environment ?? {})) this.checkAllowed(name);
    this.logGroup = new LogGroup(this, "Logs", {
      retention: props.logRetention,
      // Audit trails outlive the stack; the operator deletes them deliberately.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `credvend: ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    const common = {
      description: `credvend: ${props.description}`,
      role: this.role,
      logGroup: this.logGroup,
      runtime: LAMBDA_RUNTIME,
      architecture: LAMBDA_ARCHITECTURE,
      memorySize: props.settings.memoryMb,
      timeout: Duration.seconds(props.settings.timeoutSeconds),
      ...(props.settings.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.settings.reservedConcurrency } : {}),
      environment: { ...props.environment },
    };
    this.function =
      "entry" in props.code
        ? new NodejsFunction(this, "Function", {
            ...common,
            entry: props.code.entry,
            handler: "handler",
            projectRoot: REPO_ROOT,
            depsLockFilePath: `${REPO_ROOT}/package-lock.json`,
            bundling: bundlingOptions(props.code.files),
          })
        : new LambdaFunction(this, "Function", {
            ...common,
            code: Code.fromAsset(props.code.zip),
            handler: props.code.handler,
            ...(props.code.runtime ? { runtime: props.code.runtime } : {}),
          });
  }

  /** Adds one environment variable after construction (wiring that depends on other resources). */
  addEnvironment(name: string, value: string): void {
    this.checkAllowed(name);
    this.function.addEnvironment(name, value);
  }

  /** Synth already refused such a config (verify-workers.ts); reaching this is a bug in the wiring. */
  private checkAllowed(name: string): void {
    if (this.allowedEnvironment && !this.allowedEnvironment.includes(name))
      throw new Error(
        `${this.node.path}: environment variable ${name} is not in the worker's manifest allowlist (workerEnvironmentNames is out of date)`,
      );
  }
}
