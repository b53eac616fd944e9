// The role the aws-sts worker assumes for every vended AWS credential. Only that worker's role
// may assume it, and only with session tags and a source identity, so CloudTrail names the CI
// job behind each session. Its managed policies are the ceiling; session policies narrow them.
import { Duration } from "aws-cdk-lib";
import { ArnPrincipal, ManagedPolicy, PolicyStatement, Role, type IRole } from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";

export interface VendedRoleProps {
  /** The aws-sts worker's execution role: the only principal trusted. */
  readonly workerRole: IRole;
  readonly managedPolicyArns: readonly string[];
  /** Caps the role whatever its inline policies say: set when the worker may write one. */
  readonly permissionsBoundaryArn?: string | undefined;
}

/** STS actions the worker uses on a vended role: AssumeRole with tags and a source identity. */
export const ASSUME_ACTIONS = ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"] as const;

export class VendedRole extends Construct {
  public readonly role: Role;

  constructor(scope: Construct, id: string, props: VendedRoleProps) {
    super(scope, id);
    const worker = new ArnPrincipal(props.workerRole.roleArn);
    this.role = new Role(this, "Role", {
      assumedBy: worker,
      description: "credvend: vended AWS sessions (assumed by the aws-sts worker only)",
      // The AWS minimum; chained sessions cannot outlive 1h anyway.
      maxSessionDuration: Duration.hours(1),
      managedPolicies: props.managedPolicyArns.map((arn, i) => ManagedPolicy.fromManagedPolicyArn(this, `Ceiling${i}`, arn)),
      ...(props.permissionsBoundaryArn
        ? { permissionsBoundary: ManagedPolicy.fromManagedPolicyArn(this, "Boundary", props.permissionsBoundaryArn) }
        : {}),
    });
    this.role.assumeRolePolicy?.addStatements(
      new PolicyStatement({ principals: [worker], actions: ["sts:TagSession", "sts:SetSourceIdentity"] }),
    );
  }
}
