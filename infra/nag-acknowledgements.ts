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
}
