// Secrets Manager entries the operator fills after the first deploy. CloudFormation creates each
// with a random placeholder generated inside AWS, so no secret value is ever in the template.
import { RemovalPolicy } from "aws-cdk-lib";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";

export class GithubSecrets extends Construct {
  /** The GitHub App's private key (PEM), replaced by the operator. */
  public readonly appPrivateKey: Secret;
  /** The secret-scanning webhook's HMAC secret(s): the generated value can be used as is. */
  public readonly webhookSecret: Secret;

  constructor(scope: Construct, id: string, props: { readonly stage: string }) {
    super(scope, id);
    this.appPrivateKey = new Secret(this, "AppPrivateKey", {
      secretName: `credvend/${props.stage}/github-app-private-key`,
      description: "credvend: the GitHub App's private key (PEM). Placeholder until the operator puts the key.",
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.webhookSecret = new Secret(this, "WebhookSecret", {
      secretName: `credvend/${props.stage}/github-webhook-secret`,
      description: "credvend: secret-scanning webhook secret(s), one per line (several during rotation).",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
