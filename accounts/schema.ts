/**
 * The account manifest: one schema that is both the TypeScript type (`ManifestInput`
 * for authors, `Manifest` after defaults) and the runtime validation (F-23).
 *
 * Field rules live in the zod schema; rules that relate several entries (unique ids,
 * a workload that is not a shared account, replica ≠ primary, threshold ≤ max) live
 * in `crossFieldProblems`, which runs over the raw input even when some fields are
 * invalid, so a bad manifest reports every problem at once, each with its path.
 */
// A namespace import (zod's own advice for v4): bundled into the compiled synth program (main.ts),
// only the parts of zod used here are kept, a quarter of the package (of its error messages in 40
// languages, only English). `import { z }` names one object holding all of zod, so all of it was kept.
import * as z from 'zod';
import { REGION_NAMES, type AwsRegion } from './regions';
import { ISO_4217, type CurrencyCode } from '../contract/currencies';

export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Tag keys the stacks set themselves; a manifest may not override them. */
export const RESERVED_TAG_KEYS = ['project', 'environment', 'account', 'managed-by', 'stack'] as const;

const accountId = z.string({ error: 'must be a string of 12 digits' }).regex(/^\d{12}$/, { error: (i) => `must be a 12-digit AWS account id, got ${JSON.stringify(i.input)}` });

const region = z.enum(REGION_NAMES as [AwsRegion, ...AwsRegion[]], {
  error: (i) => `must be an AWS commercial region (e.g. eu-west-1), got ${JSON.stringify(i.input)}`,
});

const positiveMinor = z
  .number({ error: 'must be a positive integer amount in minor units' })
  .int({ error: 'must be an integer amount in minor units (no fractions: money is never a float)' })
  .positive({ error: 'must be a positive integer' })
  .max(Number.MAX_SAFE_INTEGER, { error: 'must be at most Number.MAX_SAFE_INTEGER' });

const currency = z.enum(Object.keys(ISO_4217) as [CurrencyCode, ...CurrencyCode[]], {
  error: (i) => `must be an upper-case ISO 4217 currency code (e.g. USD), got ${JSON.stringify(i.input)}`,
});

/** Keys are checked in `crossFieldProblems` (zod reports a bad record key only as "Invalid key in record"). */
const tags = z.record(
  z.string(),
  z
    .string({ error: 'tag values must be strings' })
    .max(256, { error: 'tag values are at most 256 characters' })
    .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, { error: 'tag values may use letters, digits, spaces and _ . : / = + - @' }),
);

/** Why a tag key is not allowed, or undefined when it is. */
export function tagKeyProblem(key: string): string | undefined {
  if (key.length === 0 || key.length > 128) return 'tag keys are 1 to 128 characters';
  if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u.test(key)) return 'tag keys may use letters, digits, spaces and _ . : / = + - @';
  if (key.toLowerCase().startsWith('aws:')) return 'tag keys must not start with aws:';
  if ((RESERVED_TAG_KEYS as readonly string[]).includes(key.toLowerCase())) {
    return `tag key ${JSON.stringify(key)} is set by the stacks themselves (${RESERVED_TAG_KEYS.join(', ')})`;
  }
  return undefined;
}

const nonNegativeInt = (what: string) =>
  z
    .number({ error: `must be a number (${what})` })
    .int({ error: `must be a whole number (${what})` })
    .min(0, { error: `must be ≥ 0 (${what})` });

/**
 * Alarm thresholds of one workload (= one environment). Every field is optional with the
 * default below; an alarm fires when its metric is ABOVE the threshold for
 * `evaluationPeriods` consecutive periods of `periodSeconds`. The alarms where each event is
 * an incident (a dead-letter message, a delivery queued for re-drive, an event EventBridge
 * could not deliver) fire on the first period that has one, whatever `evaluationPeriods` says
 * (a failed payment is never noise, F-06).
 */
export const alarmsSchema = z.strictObject({
  /** @default 300 — seconds per evaluation period of every alarm (60 or a multiple of 60) */
  periodSeconds: z
    .number()
    .int()
    .refine((n) => n >= 60 && n % 60 === 0, { error: 'must be 60 or a multiple of 60 seconds' })
    .default(300),
  /** @default 1 — consecutive breaching periods before an alarm fires */
  evaluationPeriods: z.number().int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).max(100).default(1),
  /** @default 2000 — API p99 latency in milliseconds */
  apiLatencyP99Ms: z.number().int().positive({ error: 'must be a positive number of milliseconds' }).max(29_000, { error: 'must be ≤ 29000: API Gateway ends integrations at 29 s' }).default(2000),
  /** @default 1 — percent of API requests answered with a 5XX */
  api5xxRatePercent: z.number().positive({ error: 'must be a percentage > 0' }).max(100, { error: 'must be ≤ 100' }).default(1),
  /** @default 0 — Lambda errors per period, per function */
  lambdaErrors: nonNegativeInt('errors per period').default(0),
  /** @default 0 — Lambda throttles per period, per function */
  lambdaThrottles: nonNegativeInt('throttles per period').default(0),
  /** @default 0 — failed, timed-out or aborted executions per period (each its own alarm) */
  failedExecutions: nonNegativeInt('executions per period').default(0),
  /** @default 0 — DynamoDB read + write throttle events per period, per table */
  dynamodbThrottleEvents: nonNegativeInt('throttle events per period').default(0),
  /** @default 60000 — global table replication latency in milliseconds, per receiving region */
  replicationLatencyMs: z.number().int().positive({ error: 'must be a positive number of milliseconds' }).default(60_000),
  /** @default 0 — S3 objects that failed to replicate per period */
  s3FailedReplications: nonNegativeInt('failed replications per period').default(0),
});

export type AlarmThresholds = z.output<typeof alarmsSchema>;

/** The amount limits of one currency, in its minor units. */
export const currencyLimitsSchema = z.strictObject({
  maxAmountMinor: positiveMinor,
  fraudReviewThresholdMinor: positiveMinor,
});
export type CurrencyLimits = z.output<typeof currencyLimitsSchema>;

/** An IAM role ARN (`arn:aws:iam::<12 digits>:role/<path/>name`): what `aws:PrincipalArn` is for a role's sessions. */
export const ROLE_ARN_PATTERN = /^arn:aws:iam::(\d{12}):role\/(?:[\x21-\x7e]+\/)?([\w+=,.@-]{1,64})$/;
export const API_CLIENT_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * One API client of a workload: who may call the payments API (IAM, SigV4) and under which
 * name its payments are kept. An idempotency key is unique per client.
 */
export const apiClientSchema = z.strictObject({
  /** Lowercase letters, digits and hyphens, starts with a letter, ≤ 32; unique in the workload. */
  name: z.string({ error: 'must be a string' }).regex(API_CLIENT_NAME_PATTERN, {
    error: (i) => `must be lowercase letters, digits and hyphens, start with a letter and be at most 32 characters, got ${JSON.stringify(i.input)}`,
  }),
  /** IAM role ARNs or 12-digit account ids (any principal of that account) the client signs its requests as; at least one. */
  principals: z
    .array(
      z.string({ error: 'must be an IAM role ARN or a 12-digit account id' }).refine((p) => /^\d{12}$/.test(p) || ROLE_ARN_PATTERN.test(p), {
        error: (i) => `must be an IAM role ARN (arn:aws:iam::<account>:role/<name>) or a 12-digit account id, got ${JSON.stringify(i.input)}`,
      }),
      { error: 'must be a list of IAM role ARNs or account ids' },
    )
    .min(1, { error: 'must name at least one principal: a client nobody can sign as cannot call the API' }),
  /** @default 50 — steady requests per second of this client's API key (its usage plan) */
  rateLimitPerSecond: z.number({ error: 'must be a number of requests per second' }).positive({ error: 'must be > 0 requests per second' }).optional(),
  /** @default 100 — burst of this client's API key (its usage plan) */
  burst: z.number({ error: 'must be a whole number of requests' }).int({ error: 'must be a whole number of requests' }).positive({ error: 'must be a positive number of requests' }).optional(),
});
export type ApiClient = z.output<typeof apiClientSchema>;

/** A browser origin: `https://host` with an optional port, nothing else (no path, no wildcard). */
export const CORS_ORIGIN_PATTERN = /^https:\/\/[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d{1,5})?$/;
/** An ACM certificate ARN. */
export const ACM_CERTIFICATE_ARN_PATTERN = /^arn:aws:acm:([a-z0-9-]+):(\d{12}):certificate\/[0-9a-f-]{36}$/;

/** The payments API's own settings (TLS, CORS). */
export const apiSettingsSchema = z.strictObject({
  /**
   * Origins whose browser pages may read the API's answers (CORS). @default [] — no CORS
   * header on any answer: the API's clients are servers.
   */
  corsOrigins: z
    .array(z.string().regex(CORS_ORIGIN_PATTERN, { error: (i) => `must be an https origin such as https://shop.example.com (no path, no wildcard), got ${JSON.stringify(i.input)}` }), {
      error: 'must be a list of https origins',
    })
    .default([]),
  /**
   * Per region, a custom domain that serves the API with TLS 1.2 or better only (security
   * policy TLS_1_2); the API's default execute-api endpoint, which also accepts TLS 1.0, is
   * then disabled. The certificate is ACM's, in that region and in the workload's account.
   * @default {} — the default endpoint only
   */
  domains: z
    .partialRecord(
      region,
      z.strictObject({
        name: z
          .string()
          .max(253)
          .regex(/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$/, { error: (i) => `must be a lower-case DNS name such as payments.example.com, got ${JSON.stringify(i.input)}` }),
        certificateArn: z.string().regex(ACM_CERTIFICATE_ARN_PATTERN, { error: (i) => `must be an ACM certificate ARN, got ${JSON.stringify(i.input)}` }),
      }),
    )
    .default({}),
});
export type ApiSettings = z.output<typeof apiSettingsSchema>;

export const workloadSchema = z.strictObject({
  /** Short name used in stack and resource names: lowercase letters, digits and hyphens, starts with a letter, ≤ 16. */
  name: z
    .string({ error: 'must be a string' })
    .regex(/^[a-z][a-z0-9-]*$/, {
      error: (i) => `must be lowercase letters, digits and hyphens and start with a letter, got ${JSON.stringify(i.input)}`,
    })
    .max(16, { error: 'must be at most 16 characters' }),
  accountId,
  environment: z.enum(ENVIRONMENTS, { error: `must be one of ${ENVIRONMENTS.join(', ')}` }),
  /** The organizational unit the account must sit in: an OU id (`ou-…`) or a path of OU names from the root (`Workloads/Prod`). */
  organizationalUnit: z.string({ error: 'must be an OU id (ou-xxxx-xxxxxxxx) or an OU path (Workloads/Prod)' }).regex(/^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|[A-Za-z0-9 _.-]+(\/[A-Za-z0-9 _.-]+)*)$/, {
    error: 'must be an OU id (ou-xxxx-xxxxxxxx) or an OU path (Workloads/Prod)',
  }),
  primaryRegion: region,
  /** Regions that hold replicas of the primary region's data; never the primary, no duplicates. @default [] */
  replicaRegions: z.array(region, { error: 'must be a list of regions' }).default([]),
  /** Who receives alarms; at least one. */
  alertEmails: z
    .array(z.email({ error: (i) => `must be an email address, got ${JSON.stringify(i.input)}` }), {
      error: 'must be a list of email addresses',
    })
    .min(1, { error: 'must name at least one address: an alarm nobody receives never fires (F-24)' }),
  payments: z.strictObject({
    currencies: z.array(currency, { error: 'must be a list of ISO 4217 codes' }).min(1, { error: 'must name at least one currency' }),
    /** The largest amount, in minor units, of a currency without its own `limits` entry; also the API model's ceiling for every currency. */
    maxAmountMinor: positiveMinor,
    /** Fraud review threshold, in minor units, of a currency without its own `limits` entry. */
    fraudReviewThresholdMinor: positiveMinor,
    /**
     * Limits of one currency, in that currency's minor units (`JPY: { maxAmountMinor: 150000 }` is
     * ¥150,000). Currencies of different minor units may not share the workload-wide limits. @default {}
     */
    limits: z.partialRecord(currency, currencyLimitsSchema, { error: 'must map ISO 4217 codes to { maxAmountMinor, fraudReviewThresholdMinor }' }).default({}),
    /** @default 10 — payments of one card (payment-method token) at one merchant in 60 s above which the fraud screen declines */
    maxPaymentsPerCardPerMinute: z.number().int({ error: 'must be a positive integer' }).positive({ error: 'must be a positive integer' }).default(10),
    /**
     * The API's clients. @default one client `default` whose principal is the workload's own
     * account (see `apiClientsOf`).
     */
    clients: z.array(apiClientSchema, { error: 'must be a list of API clients' }).min(1, { error: 'must name at least one client (or leave the field out)' }).optional(),
  }),
  /** The payments API's TLS and CORS settings (`apiSettingsSchema`). @default {} */
  api: apiSettingsSchema.prefault({}),
  /** @default 2555 (7 years) — days settlement archives are kept before any rule may expire them */
  archiveRetentionDays: z.number().int({ error: 'must be a whole number of days' }).min(365, { error: 'must be at least 365 days: settlement records are kept for years' }).default(2555),
  /** Extra tags on every resource of this workload. @default {} */
  tags: tags.default({}),
  /** Alarm thresholds; every field optional with its default (`alarmsSchema`). @default {} */
  alarms: alarmsSchema.prefault({}),
});

export const manifestSchema = z.strictObject({
  /** Prefix of every physical resource name (not of stack names). @default "payments" */
  project: z
    .string()
    .regex(/^[a-z][a-z0-9-]*[a-z0-9]$/, { error: 'must be lowercase letters, digits and hyphens, start with a letter' })
    .max(12, { error: 'must be at most 12 characters (it prefixes names with tight limits)' })
    .default('payments'),
  organization: z.strictObject({
    id: z.string({ error: 'must be a string' }).regex(/^o-[a-z0-9]{10,32}$/, {
      error: (i) => `must be an AWS Organizations id (o- and 10 to 32 lowercase letters or digits), got ${JSON.stringify(i.input)}`,
    }),
    managementAccountId: accountId,
  }),
  deployment: z.strictObject({
    accountId,
    region,
    /** GitHub repository whose workflows deploy: `owner/repo`. */
    repository: z.string({ error: 'must be owner/repo' }).regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9_.-]+$/, {
      error: (i) => `must be a GitHub repository as owner/repo, got ${JSON.stringify(i.input)}`,
    }),
    /** @default "main" — the only branch whose workflows may apply */
    defaultBranch: z
      .string()
      .regex(/^[A-Za-z0-9._/-]+$/, { error: 'must be a git branch name' })
      .default('main'),
  }),
  logArchive: z.strictObject({ accountId, region }),
  audit: z.strictObject({ accountId }),
  workloads: z.array(workloadSchema, { error: 'must be a list of workloads' }),
});

/** What an author writes (defaults optional). */
export type ManifestInput = z.input<typeof manifestSchema>;
/** What the stacks read (defaults applied, validated). */
export type Manifest = z.output<typeof manifestSchema>;
export type Workload = Manifest['workloads'][number];
export type WorkloadInput = ManifestInput['workloads'][number];

/** The client a workload has when its manifest names none. */
export const DEFAULT_API_CLIENT = 'default';

/** A workload's API clients: the manifest's, or one `default` client for the workload's own account. */
export function apiClientsOf(workload: Workload): readonly ApiClient[] {
  return workload.payments.clients ?? [{ name: DEFAULT_API_CLIENT, principals: [workload.accountId] }];
}
/** Each currency's limits: its `limits` entry, or the workload-wide ones. */
export function currencyLimitsOf(workload: Workload): Record<CurrencyCode, CurrencyLimits> {
  const p = workload.payments;
  return Object.fromEntries(p.currencies.map((c) => [c, p.limits[c] ?? { maxAmountMinor: p.maxAmountMinor, fraudReviewThresholdMinor: p.fraudReviewThresholdMinor }])) as Record<
    CurrencyCode,
    CurrencyLimits
  >;
}
export type { AwsRegion, CurrencyCode };

export interface ManifestProblem {
  /** Where in the manifest, as `workloads[1].accountId`. */
  readonly path: string;
  readonly message: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(manifest)' : out;
}

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Rules that relate entries to each other. Defensive: runs on raw, possibly invalid input. */
export function crossFieldProblems(raw: unknown): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  if (!isObject(raw)) return problems;
  const shared: { path: string; role: string; id: string | undefined }[] = [
    { path: 'organization.managementAccountId', role: 'the management account', id: isObject(raw.organization) ? str(raw.organization.managementAccountId) : undefined },
    { path: 'deployment.accountId', role: 'the deployment account', id: isObject(raw.deployment) ? str(raw.deployment.accountId) : undefined },
    { path: 'logArchive.accountId', role: 'the log-archive account', id: isObject(raw.logArchive) ? str(raw.logArchive.accountId) : undefined },
    { path: 'audit.accountId', role: 'the audit account', id: isObject(raw.audit) ? str(raw.audit.accountId) : undefined },
  ];
  // The shared accounts each hold their own roles and stacks; one account in two roles would get two copies.
  shared.forEach((s, i) => {
    const clash = shared.slice(0, i).find((t) => t.id !== undefined && t.id === s.id);
    if (clash) problems.push({ path: s.path, message: `${s.id} is also ${clash.role} (${clash.path}); the shared accounts must be distinct` });
  });
  const workloads = Array.isArray(raw.workloads) ? raw.workloads : [];
  const seenNames = new Map<string, number>();
  const seenIds = new Map<string, number>();
  workloads.forEach((w, i) => {
    if (!isObject(w)) return;
    const at = (field: string) => `workloads[${i}].${field}`;
    const name = str(w.name);
    if (name !== undefined) {
      const first = seenNames.get(name);
      if (first !== undefined) problems.push({ path: at('name'), message: `duplicate workload name ${JSON.stringify(name)} (also workloads[${first}].name)` });
      else seenNames.set(name, i);
    }
    const id = str(w.accountId);
    if (id !== undefined) {
      const first = seenIds.get(id);
      if (first !== undefined) problems.push({ path: at('accountId'), message: `duplicate account id ${id} (also workloads[${first}].accountId): one workload per account` });
      else seenIds.set(id, i);
      for (const s of shared) {
        if (s.id === id) problems.push({ path: at('accountId'), message: `${id} is ${s.role} (${s.path}); a workload needs an account of its own` });
      }
    }
    const primary = str(w.primaryRegion);
    if (Array.isArray(w.replicaRegions)) {
      const seen = new Set<unknown>();
      w.replicaRegions.forEach((r, j) => {
        if (primary !== undefined && r === primary) problems.push({ path: `${at('replicaRegions')}[${j}]`, message: `${primary} is the primary region; replicaRegions must not contain it` });
        else if (seen.has(r)) problems.push({ path: `${at('replicaRegions')}[${j}]`, message: `duplicate replica region ${JSON.stringify(r)}` });
        seen.add(r);
      });
    }
    if (Array.isArray(w.alertEmails)) {
      const seen = new Set<string>();
      w.alertEmails.forEach((e, j) => {
        if (typeof e !== 'string') return;
        if (seen.has(e.toLowerCase())) problems.push({ path: `${at('alertEmails')}[${j}]`, message: `duplicate alert email ${e}` });
        seen.add(e.toLowerCase());
      });
    }
    if (isObject(w.tags)) {
      for (const key of Object.keys(w.tags)) {
        const problem = tagKeyProblem(key);
        if (problem) problems.push({ path: `${at('tags')}.${key}`, message: problem });
      }
    }
    if (w.environment === 'prod') {
      // A prod workload takes live card payments: its API is served only on custom domains with
      // the TLS 1.2 security policy, because the default execute-api endpoint also accepts TLS 1.0.
      const regions = [primary, ...(Array.isArray(w.replicaRegions) ? w.replicaRegions : [])].filter((r): r is string => typeof r === 'string');
      const domains = isObject(w.api) && isObject(w.api.domains) ? w.api.domains : {};
      const missing = regions.filter((r) => !(r in domains));
      if (missing.length > 0) {
        problems.push({
          path: at('api.domains'),
          message: `a prod workload must serve its API with TLS 1.2 or better only: name a custom domain and certificate for ${missing.join(', ')} (the default endpoint also accepts TLS 1.0)`,
        });
      }
    }
    if (isObject(w.api) && isObject(w.api.domains)) {
      const regions = [primary, ...(Array.isArray(w.replicaRegions) ? w.replicaRegions : [])];
      for (const [r, d] of Object.entries(w.api.domains)) {
        const at_ = `${at('api.domains')}.${r}`;
        if (!regions.includes(r)) problems.push({ path: at_, message: `${r} is not a region of this workload (${regions.filter((x) => x !== undefined).join(', ')})` });
        const cert = isObject(d) ? ACM_CERTIFICATE_ARN_PATTERN.exec(str(d.certificateArn) ?? '') : null;
        if (cert && (cert[1] !== r || (id !== undefined && cert[2] !== id))) {
          problems.push({ path: `${at_}.certificateArn`, message: `a regional API's certificate must be in its own region (${r}) and the workload's account${id ? ` (${id})` : ''}` });
        }
      }
    }
    if (isObject(w.payments)) {
      const p = w.payments;
      if (Array.isArray(p.currencies)) {
        const seen = new Set<unknown>();
        p.currencies.forEach((c, j) => {
          if (seen.has(c)) problems.push({ path: `${at('payments.currencies')}[${j}]`, message: `duplicate currency ${JSON.stringify(c)}` });
          seen.add(c);
        });
      }
      if (Array.isArray(p.clients)) problems.push(...clientProblems(p.clients, at('payments.clients')));
      const max = p.maxAmountMinor;
      const threshold = p.fraudReviewThresholdMinor;
      if (typeof max === 'number' && typeof threshold === 'number' && Number.isFinite(max) && threshold > max) {
        problems.push({
          path: at('payments.fraudReviewThresholdMinor'),
          message: `${threshold} exceeds maxAmountMinor ${max}; the fraud review threshold must be ≤ the maximum amount`,
        });
      }
      problems.push(...limitProblems(p, at('payments')));
      if (p.maxPaymentsPerCustomerPerMinute !== undefined) {
        problems.push({
          path: at('payments.maxPaymentsPerCustomerPerMinute'),
          message: 'is now maxPaymentsPerCardPerMinute: the fraud screen counts payments per card and merchant (a customer id is the caller’s free choice)',
        });
      }
    }
  });
  return problems;
}

/**
 * Limits per currency, read with each currency's minor-unit exponent: an entry only for a
 * currency of the workload, its threshold ≤ its maximum ≤ the workload's `maxAmountMinor`
 * (the API model's ceiling); every limit at least one whole unit of its currency (a limit
 * below that is a major-unit amount written in minor units, or a typo); and currencies
 * of different exponents never share the workload-wide limits (the same number is 100× apart).
 */
function limitProblems(p: Raw, at: string): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const currencies = Array.isArray(p.currencies) ? p.currencies.filter((c): c is CurrencyCode => typeof c === 'string' && Object.prototype.hasOwnProperty.call(ISO_4217, c)) : [];
  const limits = isObject(p.limits) ? p.limits : {};
  const ceiling = typeof p.maxAmountMinor === 'number' ? p.maxAmountMinor : undefined;
  const whole = (c: CurrencyCode, amount: unknown, path: string) => {
    const unit = 10 ** ISO_4217[c];
    if (typeof amount === 'number' && Number.isSafeInteger(amount) && amount > 0 && amount < unit) {
      problems.push({ path, message: `${amount} minor units is less than one ${c} (${c} has ${ISO_4217[c]} decimal places: 1 ${c} is ${unit}); limits are in minor units` });
    }
  };
  for (const [c, entry] of Object.entries(limits)) {
    const path = `${at}.limits.${c}`;
    if (!(currencies as string[]).includes(c)) {
      problems.push({ path, message: `${c} is not one of the workload's currencies (${currencies.join(', ') || 'none'})` });
      continue;
    }
    if (!isObject(entry)) continue;
    const { maxAmountMinor: m, fraudReviewThresholdMinor: t } = entry;
    if (typeof m === 'number' && typeof t === 'number' && t > m) problems.push({ path: `${path}.fraudReviewThresholdMinor`, message: `${t} exceeds ${c}'s maxAmountMinor ${m}` });
    if (typeof m === 'number' && ceiling !== undefined && m > ceiling) {
      problems.push({ path: `${path}.maxAmountMinor`, message: `${m} exceeds the workload's maxAmountMinor ${ceiling}, the ceiling the API's request model applies to every currency` });
    }
    whole(c as CurrencyCode, m, `${path}.maxAmountMinor`);
    whole(c as CurrencyCode, t, `${path}.fraudReviewThresholdMinor`);
  }
  const shared = currencies.filter((c) => !Object.prototype.hasOwnProperty.call(limits, c));
  for (const c of shared) {
    whole(c, p.maxAmountMinor, `${at}.maxAmountMinor`);
    whole(c, p.fraudReviewThresholdMinor, `${at}.fraudReviewThresholdMinor`);
  }
  const exponents = new Set(shared.map((c) => ISO_4217[c]));
  if (exponents.size > 1) {
    problems.push({
      path: `${at}.limits`,
      message: `${shared.map((c) => `${c} (${ISO_4217[c]} decimal places)`).join(', ')} would share one maxAmountMinor and fraudReviewThresholdMinor, which mean amounts 10^n apart in these currencies; give limits per currency`,
    });
  }
  return problems;
}

/**
 * Client names are unique, and every principal maps to exactly one client: a principal named
 * twice, or a role in an account that another client names as a whole, would make the client
 * of a request ambiguous.
 */
function clientProblems(clients: unknown[], at: string): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const names = new Map<string, number>();
  const principals = new Map<string, number>();
  const accounts = new Map<string, number>();
  clients.forEach((c, i) => {
    if (!isObject(c)) return;
    const name = str(c.name);
    if (name !== undefined) {
      const first = names.get(name);
      if (first !== undefined) problems.push({ path: `${at}[${i}].name`, message: `duplicate client name ${JSON.stringify(name)} (also ${at}[${first}].name)` });
      else names.set(name, i);
    }
    if (!Array.isArray(c.principals)) return;
    c.principals.forEach((p) => {
      if (typeof p === 'string' && /^\d{12}$/.test(p) && !accounts.has(p)) accounts.set(p, i);
    });
  });
  clients.forEach((c, i) => {
    if (!isObject(c) || !Array.isArray(c.principals)) return;
    c.principals.forEach((p, j) => {
      if (typeof p !== 'string') return;
      const path = `${at}[${i}].principals[${j}]`;
      const first = principals.get(p);
      if (first !== undefined) {
        problems.push({ path, message: `${p} is already a principal of ${at}[${first}]; a principal belongs to one client` });
        return;
      }
      principals.set(p, i);
      const account = ROLE_ARN_PATTERN.exec(p)?.[1];
      const owner = account === undefined ? undefined : accounts.get(account);
      if (owner !== undefined && owner !== i) problems.push({ path, message: `${p} is in account ${account}, which ${at}[${owner}] names as a whole; a principal belongs to one client` });
    });
  });
  return problems;
}

export type ValidationResult = { ok: true; manifest: Manifest } | { ok: false; problems: ManifestProblem[] };

/** Validates a raw manifest and returns every problem, field rules and cross-field rules together. */
export function validateManifest(raw: unknown): ValidationResult {
  const parsed = manifestSchema.safeParse(raw);
  const problems: ManifestProblem[] = parsed.success ? [] : parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  problems.push(...crossFieldProblems(raw));
  if (problems.length > 0 || !parsed.success) return { ok: false, problems: dedupe(problems) };
  return { ok: true, manifest: parsed.data };
}

function dedupe(problems: ManifestProblem[]): ManifestProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Thrown for an invalid manifest; `problems` lists every offending entry. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(
    readonly source: string,
    readonly problems: readonly ManifestProblem[],
  ) {
    super(`Manifest ${source} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` + problems.map((p) => `  ${p.path}: ${p.message}`).join('\n'));
  }
}
