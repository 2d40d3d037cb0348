/**
 * The topic every alarm notifies (F-24): encrypted with a customer-managed key, subscribed
 * by the workload's alert e-mails, and with a policy that lets CloudWatch alarms of this
 * account and region (and nothing else) publish.
 *
 * The key's policy must let CloudWatch use it, or every notification is dropped silently.
 * The key belongs to the data plane; include `cloudWatchAlarmsKeyStatement()` in its policy:
 *
 *   { "Sid": "CloudWatchAlarmsPublishToEncryptedTopics", "Effect": "Allow",
 *     "Principal": { "Service": "cloudwatch.amazonaws.com" },
 *     "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*" }
 *
 * (This is the statement AWS documents for alarms on SSE-enabled topics. It carries no
 * condition because CloudWatch's calls to KMS do not carry aws:SourceAccount/SourceArn;
 * who may publish is decided by the topic policy below, which does check them.)
 */
import { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktf';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import type { AwsRegion } from '../../accounts/schema';
import { arn, type WorkloadNaming } from '../core/naming';
import { jsonText } from '../core/json-text';

export function cloudWatchAlarmsKeyStatement() {
  return {
    Sid: 'CloudWatchAlarmsPublishToEncryptedTopics',
    Effect: 'Allow',
    Principal: { Service: 'cloudwatch.amazonaws.com' },
    Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    Resource: '*',
  } as const;
}

export interface AlarmTopicProps {
  readonly naming: WorkloadNaming;
  readonly region: AwsRegion;
  /** The customer-managed key (in this region) that encrypts the topic; its policy needs `cloudWatchAlarmsKeyStatement()`. */
  readonly key: { readonly arn: string };
  /** @default naming.workload.alertEmails */
  readonly emails?: readonly string[];
  /** @default the stack's default provider */
  readonly provider?: TerraformProvider;
}

export class AlarmTopic extends Construct {
  readonly topic: SnsTopic;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const emails = props.emails ?? props.naming.workload.alertEmails;
    if (emails.length === 0) throw new Error(`AlarmTopic ${id}: no alert e-mails; add workloads[].alertEmails to the manifest (an alarm nobody receives never fires, F-24)`);
    const account = props.naming.accountId;
    this.topic = new SnsTopic(this, 'topic', { name: props.naming.topic('alarms'), kmsMasterKeyId: props.key.arn, provider: props.provider });
    this.arn = this.topic.arn;
    new SnsTopicPolicy(this, 'policy', {
      arn: this.topic.arn,
      provider: props.provider,
      policy: jsonText({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'CloudWatchAlarmsOfThisAccountPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: this.topic.arn,
            Condition: {
              StringEquals: { 'aws:SourceAccount': account },
              ArnLike: { 'aws:SourceArn': arn('cloudwatch', props.region, account, 'alarm:*') },
            },
          },
        ],
      }),
    });
    for (const email of emails) {
      // id from the address itself: stable, and changing one address replaces only its subscription
      new SnsTopicSubscription(this, `email-${email.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`, {
        topicArn: this.topic.arn,
        protocol: 'email',
        endpoint: email,
        provider: props.provider,
      });
    }
  }
}
