// Every cdk-nag finding credvend accepts, each on the one construct it concerns, with its reason.
// Anything else fails synth (and the cdk-nag test).
import { Validations } from "aws-cdk-lib";
import type { CredvendStack } from "./credvend-stack.js";

export function acknowledgeNagFindings(stack: CredvendStack): void {
  for (const secret of [stack.secrets.appPrivateKey, stack.secrets.webhookSecret]) {
    Validations.of(secret).acknowledge({
      id: "AwsSolutions::AwsSolutions-SMG4",
      reason:
        "Issued by GitHub, not by AWS: a GitHub App key or webhook secret is rotated in GitHub's settings and then put here; no Lambda rotation can do that.",
    });
  }
  for (const { secret } of stack.notifierSecrets.secrets) {
    Validations.of(secret).acknowledge({
      id: "AwsSolutions::AwsSolutions-SMG4",
      reason:
        "Issued by the chat service or the receiver (an incoming-webhook URL, a shared signing secret): rotated there and then put here; no Lambda rotation can do that.",
    });
  }
  if (stack.anomalies) {
    Validations.of(stack.anomalies.lambda.role).acknowledge({
      id: "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
      reason:
        "dynamodb:ListStreams, which the Lambda event source mapping needs to read the ledger's stream, has no resource-level permissions; every other stream action is scoped to the ledger's stream ARN.",
    });
  }
  for (const [name, resources] of stack.kindResources) {
    const role = resources.vendedRole?.role;
    if (!role) continue;
    for (const arn of stack.config.awsSts.managedPolicyArns) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM4[Policy::${arn}]`,
        reason: `The operator's chosen ceiling for sessions vended by worker ${name} (awsSts.managedPolicyArns); every session is narrowed further by a per-request session policy.`,
      });
    }
  }
}
