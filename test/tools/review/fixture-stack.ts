/**
 * Test-only stack content for the review tests: a role with a trust and an inline
 * policy, a key with a key policy, a table and a bucket with a public access block,
 * built with the real provider classes so the tests read real synthesized Terraform.
 *
 * The git-repository tests copy this file into their temporary repository (it imports
 * nothing but provider classes), so their scenarios do not depend on the stacks' own
 * content, which changes as the project grows.
 */
import type { Construct } from 'constructs';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';

export interface FixtureOptions {
  /** Account the role trusts (its root). */
  trustedAccount: string;
  /** Organisation the trust requires through aws:PrincipalOrgID; none when undefined. */
  orgId?: string;
  /** Actions the role's inline policy allows on the table. */
  roleActions: string[];
  /** The Sid of that statement. @default 'Table' */
  roleSid?: string;
  /** Principals (ARNs) the key policy lets use the key. */
  keyUsers: string[];
  /** Whether the table exists. */
  table: boolean;
  /** The table's hash key (a change replaces the table). */
  hashKey?: string;
  /** Whether the bucket blocks public access. */
  blockPublic: boolean;
  /** Whether the bucket policy denies requests without TLS. */
  tlsOnly: boolean;
  /** Lambda permission source ARN; no permission when undefined; '' for none. */
  invokeSourceArn?: string;
  /** Prefix of physical names, unique per stack. */
  prefix: string;
}

export const baseFixture = (prefix: string): FixtureOptions => ({
  trustedAccount: '100000000002',
  orgId: 'o-exampleorg1',
  roleActions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
  keyUsers: [],
  table: true,
  blockPublic: true,
  tlsOnly: true,
  prefix,
});

export function addReviewFixture(scope: Construct, o: FixtureOptions): void {
  const table = o.table
    ? new DynamodbTable(scope, 'fixture_table', {
        name: `${o.prefix}-fixture`,
        billingMode: 'PAY_PER_REQUEST',
        hashKey: o.hashKey ?? 'pk',
        attribute: [{ name: o.hashKey ?? 'pk', type: 'S' }],
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: true,
      })
    : undefined;
  const role = new IamRole(scope, 'fixture_role', {
    name: `${o.prefix}-fixture`,
    assumeRolePolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'TrustDeployment',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${o.trustedAccount}:root` },
          Action: 'sts:AssumeRole',
          ...(o.orgId ? { Condition: { StringEquals: { 'aws:PrincipalOrgID': o.orgId } } } : {}),
        },
      ],
    }),
  });
  new IamRolePolicy(scope, 'fixture_role_policy', {
    role: role.name,
    name: 'table-access',
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: o.roleSid ?? 'Table', Effect: 'Allow', Action: o.roleActions, Resource: table ? table.arn : `arn:aws:dynamodb:eu-west-1:${o.trustedAccount}:table/none` }],
    }),
  });
  new KmsKey(scope, 'fixture_key', {
    description: `${o.prefix} fixture key`,
    enableKeyRotation: true,
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${o.trustedAccount}:root` }, Action: 'kms:*', Resource: '*' },
        ...(o.keyUsers.length ? [{ Sid: 'Use', Effect: 'Allow', Principal: { AWS: o.keyUsers }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: '*' }] : []),
      ],
    }),
  });
  const bucket = new S3Bucket(scope, 'fixture_bucket', { bucket: `${o.prefix}-fixture-bucket` });
  if (o.blockPublic) {
    new S3BucketPublicAccessBlock(scope, 'fixture_bucket_pab', {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
  }
  new S3BucketPolicy(scope, 'fixture_bucket_policy', {
    bucket: bucket.id,
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'ReadByRole', Effect: 'Allow', Principal: { AWS: role.arn }, Action: 's3:GetObject', Resource: `${bucket.arn}/*` },
        ...(o.tlsOnly ? [{ Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [bucket.arn, `${bucket.arn}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] : []),
      ],
    }),
  });
  if (o.invokeSourceArn !== undefined) {
    new LambdaPermission(scope, 'fixture_invoke', {
      functionName: `${o.prefix}-fixture`,
      action: 'lambda:InvokeFunction',
      principal: 'apigateway.amazonaws.com',
      ...(o.invokeSourceArn !== '' ? { sourceArn: o.invokeSourceArn } : {}),
    });
  }
}
