// One Secrets Manager secret per chat or webhook notifier of the deployment config: the
// operator puts the incoming-webhook URL (slack) or {"url","signingSecret"} (webhook) after the
// deploy. Created with a random placeholder (no destination is ever in the template), which the
// notifier recognizes and reports as "not configured yet" in the log instead of sending.
// Names follow GithubSecrets: the stack's creation id keeps a redeploy after destroy working.
import { Aws, Fn, RemovalPolicy } from "aws-cdk-lib";
import { type IGrantable, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import type { NotifierConfig } from "../../functions/adapters/config/notifier-config.js";

export interface NotifierSecretsProps {
  readonly stage: string;
  readonly notifiers: readonly Omit<NotifierConfig, "secretId">[];
}

export class NotifierSecrets extends Construct {
  public readonly secrets: readonly {
    readonly notifier: Omit<NotifierConfig, "secretId">;
    readonly secret: Secret;
    readonly name: string;
  }[];

  constructor(scope: Construct, id: string, props: NotifierSecretsProps) {
    super(scope, id);
    const stackCreation = Fn.select(0, Fn.split("-", Fn.select(2, Fn.split("/", Aws.STACK_ID))));
    this.secrets = props.notifiers.map((notifier) => {
      const name = `credvend/${props.stage}/notifier-${notifier.name}-${stackCreation}`;
      const secret = new Secret(this, `Notifier-${notifier.name}`, {
        secretName: name,
        description:
          notifier.kind === "slack"
            ? `credvend: the incoming-webhook URL of notifier ${notifier.name} (https://hooks.slack.com/services/...)`
            : `credvend: {"url":"https://...","signingSecret":"..."} of notifier ${notifier.name}`,
        generateSecretString: { passwordLength: 32, excludePunctuation: true },
        removalPolicy: RemovalPolicy.DESTROY,
      });
      return { notifier, secret, name };
    });
  }

  /** CREDVEND_NOTIFIERS for the functions (functions/adapters/config/notifier-config.ts). */
  environment(): Record<string, string> {
    if (this.secrets.length === 0) return {};
    const configs: NotifierConfig[] = this.secrets.map(({ notifier, secret }) => ({ ...notifier, secretId: secret.secretArn }));
    return { CREDVEND_NOTIFIERS: JSON.stringify(configs) };
  }

  grantRead(grantee: IGrantable): void {
    if (this.secrets.length === 0) return;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: this.secrets.map(({ secret }) => secret.secretArn) }),
    );
  }
}
