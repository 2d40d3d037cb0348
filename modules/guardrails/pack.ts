/**
 * The project's rule pack: every rule in `rules/`, registered once. `Guardrails.applyTo(app)`
 * checks every stack against it at synth. Adding a rule = one file in `rules/`, one line here,
 * one compliant and one non-compliant test in test/modules/guardrails/rules.test.ts.
 */
import { alarmCoverage } from './rules/alarm-coverage';
import { alarmHasActions } from './rules/alarm-has-actions';
import { apiStageTracingLogging } from './rules/api-stage-tracing-logging';
import { bucketPublicAccessBlock } from './rules/bucket-public-access-block';
import { bucketTlsOnly } from './rules/bucket-tls-only';
import { bucketVersioning } from './rules/bucket-versioning';
import { encryptionBucketCmk } from './rules/encryption-bucket-cmk';
import { encryptionLogGroupCmk } from './rules/encryption-log-group-cmk';
import { encryptionQueueCmk } from './rules/encryption-queue-cmk';
import { encryptionTableCmk } from './rules/encryption-table-cmk';
import { encryptionTopicCmk } from './rules/encryption-topic-cmk';
import { iamNoWildcards } from './rules/iam-no-wildcards';
import { kmsKeyRotation } from './rules/kms-key-rotation';
import { lambdaRuntimeSupported } from './rules/lambda-runtime-supported';
import { lambdaTracingActive } from './rules/lambda-tracing-active';
import { logGroupRetention } from './rules/log-group-retention';
import { principalInOrganisation } from './rules/principal-in-organisation';
import { providerNoStaticCredentials } from './rules/provider-no-static-credentials';
import { stateBackendEncrypted } from './rules/state-backend-encrypted';
import { trustPrincipalOrgId } from './rules/trust-principal-org-id';
import { iamResourceAccountRegion } from './rules/iam-resource-account-region';
import { apiMethodAuthorized } from './rules/api-method-authorized';
import { encryptionSecretCmk } from './rules/encryption-secret-cmk';
import { lambdaUrlIamAuth } from './rules/lambda-url-iam-auth';
import { prodDeletionProtection } from './rules/prod-deletion-protection';
import { providerPinnedAccount } from './rules/provider-pinned-account';
import { resourcePolicyOpenPrincipal } from './rules/resource-policy-open-principal';
import { sfnLoggingTracing } from './rules/sfn-logging-tracing';
import { sfnTaskResilience } from './rules/sfn-task-resilience';
import { tablePitr } from './rules/table-pitr';
import type { Rule } from './types';

export interface RulePack {
  readonly name: string;
  readonly rules: readonly Rule[];
}

export const PAYMENTS_RULE_PACK: RulePack = {
  name: 'payments',
  rules: [
    encryptionTableCmk,
    encryptionBucketCmk,
    encryptionTopicCmk,
    encryptionQueueCmk,
    encryptionLogGroupCmk,
    logGroupRetention,
    bucketPublicAccessBlock,
    bucketTlsOnly,
    bucketVersioning,
    tablePitr,
    prodDeletionProtection,
    kmsKeyRotation,
    iamNoWildcards,
    resourcePolicyOpenPrincipal,
    providerPinnedAccount,
    lambdaRuntimeSupported,
    lambdaTracingActive,
    sfnTaskResilience,
    sfnLoggingTracing,
    apiStageTracingLogging,
    alarmCoverage,
    alarmHasActions,
    principalInOrganisation,
    trustPrincipalOrgId,
    iamResourceAccountRegion,
    providerNoStaticCredentials,
    stateBackendEncrypted,
    encryptionSecretCmk,
    apiMethodAuthorized,
    lambdaUrlIamAuth,
  ],
};

{
  const seen = new Set<string>();
  for (const rule of PAYMENTS_RULE_PACK.rules) {
    if (seen.has(rule.id)) throw new Error(`two guardrail rules share the id ${rule.id}`);
    seen.add(rule.id);
  }
}
