// The alert topic: leak escalations, refused workers and alarms all land here. Encrypted with a
// customer-managed key, because CloudWatch alarms cannot publish to a topic under the AWS-managed
// SNS key; the key policy lets CloudWatch use it for exactly that. The topic policy must allow
// CloudWatch too: enforceSSL writes a topic policy, which replaces SNS's default one, so with only
// its Deny statement no alarm could ever publish.
import { RemovalPolicy, Stack } from "aws-cdk-lib";
import { PolicyStatement, ServicePrincipal, type IGrantable } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";

export interface AlertTopicProps {
  readonly stage: string;
  readonly email?: string | undefined;
}

export class AlertTopic extends Construct {
  public readonly topic: Topic;
  public readonly key: Key;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.key = new Key(this, "Key", {
      description: `credvend ${props.stage}: alert topic encryption`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"], // in a key policy, "*" is this key
      }),
    );
    this.topic = new Topic(this, "Topic", {
      displayName: `credvend ${props.stage} alerts`,
      masterKey: this.key,
      enforceSSL: true,
    });
    const stack = Stack.of(this);
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: "CloudWatchAlarmsPublish",
        principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        // Only this account's alarms: the service principal alone would admit any account's.
        conditions: {
          StringEquals: { "aws:SourceAccount": stack.account },
          ArnLike: { "aws:SourceArn": `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
        },
      }),
    );
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
  }

  /** sns:Publish on this topic, and the two key operations publishing to an encrypted topic needs. */
  grantPublish(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: ["sns:Publish"], resources: [this.topic.topicArn] }));
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: [this.key.keyArn] }),
    );
  }
}
