/**
 * Grants, in the manner of aws-cdk-lib: a resource knows which actions, on which of its ARNs,
 * and which use of its key a kind of access needs, and adds them to the grantee's policy.
 * Callers say what a component does (`table.grant(fn, 'dynamodb:GetItem')`,
 * `topic.grantPublish(fn)`), never how the statement is written.
 *
 * A grantee is anything with an identity policy that takes statements: a function, the state
 * machine, a service role. Statements of one kind share a Sid (`DataKey`, `PaymentsTable`), so
 * the role's policy merges them into one (see `LazyPolicy`).
 *
 * The references here (key, topic, queue, secret) are plain values: a resource this stack
 * creates and one another stack created (found by name or alias) grant alike.
 */
import type { PolicyStatement } from './iam-document';

export interface Grantee {
  addToPolicy(...statements: PolicyStatement[]): void;
}

/** A KMS key that encrypts data other grants reach; each grant adds the key use it implies. */
export class KeyRef {
  /** @param label the Sid of the key's statement in a grantee's policy */
  constructor(
    readonly arn: string,
    readonly label = 'DataKey',
  ) {}

  /** Reads of data encrypted under the key. */
  grantDecrypt(grantee: Grantee): void {
    this.grant(grantee, 'kms:Decrypt');
  }

  /** New data encrypted under the key (a data key for each object or message), without reading. */
  grantGenerateDataKey(grantee: Grantee): void {
    this.grant(grantee, 'kms:GenerateDataKey');
  }

  /** Reads and writes of data encrypted under the key. */
  grantEncryptDecrypt(grantee: Grantee): void {
    this.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey');
  }

  grant(grantee: Grantee, ...actions: string[]): void {
    grantee.addToPolicy({ Sid: this.label, Effect: 'Allow', Action: actions, Resource: this.arn });
  }
}

/** An SNS topic encrypted with a key: publishing needs a data key and, for SNS, Decrypt too. */
export class TopicRef {
  constructor(
    readonly arn: string,
    readonly key: KeyRef,
    readonly label = 'Topic',
  ) {}

  grantPublish(grantee: Grantee): void {
    grantee.addToPolicy({ Sid: `${this.label}Publish`, Effect: 'Allow', Action: ['sns:Publish'], Resource: this.arn });
    this.key.grantEncryptDecrypt(grantee);
  }
}

/** An SQS queue encrypted with a key: sending needs a data key and Decrypt (SQS reuses it). */
export class QueueRef {
  constructor(
    readonly arn: string,
    readonly key: KeyRef,
    readonly label = 'Queue',
  ) {}

  grantSendMessages(grantee: Grantee): void {
    grantee.addToPolicy({ Sid: `${this.label}Send`, Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: this.arn });
    this.key.grantEncryptDecrypt(grantee);
  }
}

/** A Secrets Manager secret encrypted with a key: reading its value decrypts it. */
export class SecretRef {
  constructor(
    readonly arn: string,
    readonly key: KeyRef,
    readonly label = 'Secret',
  ) {}

  grantRead(grantee: Grantee): void {
    grantee.addToPolicy({ Sid: `${this.label}Read`, Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: this.arn });
    this.key.grantDecrypt(grantee);
  }
}
