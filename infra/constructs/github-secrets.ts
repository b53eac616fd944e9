// Secrets Manager entries the operator fills after the first deploy. CloudFormation creates each
// with a random placeholder generated inside AWS, so no secret value is ever in the template.
// Their names end with a part of the stack's id, which is new each time the stack is created: a
// deleted secret stays pending deletion for 7-30 days under its name, so a fixed name would make
// a redeploy after `cdk destroy` fail. The outputs give the operator the names.
import { Aws, Fn, RemovalPolicy } from "aws-cdk-lib";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";

export class GithubSecrets extends Construct {
  /** The GitHub App's private key (PEM), replaced by the operator. */
  public readonly appPrivateKey: Secret;
  /** The secret-scanning webhook's HMAC secret(s): the generated value can be used as is. */
  public readonly webhookSecret: Secret;
  /** `credvend/<stage>/github-app-private-key-<8 hex of the stack id>` (a deploy-time value). */
  public readonly appPrivateKeyName: string;
  public readonly webhookSecretName: string;

  constructor(scope: Construct, id: string, props: { readonly stage: string }) {
    super(scope, id);
    // arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>: the uuid's first group.
    const stackCreation = Fn.select(0, Fn.split("-", Fn.select(2, Fn.split("/", Aws.STACK_ID))));
    this.appPrivateKeyName = `credvend/${props.stage}/github-app-private-key-${stackCreation}`;
    this.webhookSecretName = `credvend/${props.stage}/github-webhook-secret-${stackCreation}`;
    this.appPrivateKey = new Secret(this, "AppPrivateKey", {
      secretName: this.appPrivateKeyName,
      description: "credvend: the GitHub App's private key (PEM). Placeholder until the operator puts the key.",
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.webhookSecret = new Secret(this, "WebhookSecret", {
      secretName: this.webhookSecretName,
      description: "credvend: secret-scanning webhook secret(s), one per line (several during rotation).",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
