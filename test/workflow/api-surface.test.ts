/**
 * The payments API's security surface as synthesized: what API Gateway validates and answers
 * before any function runs, TLS, CORS, the state machine's encryption, and that the roles
 * that apply and plan the stacks may create and read what this adds. Read off the Terraform
 * JSON of the example organisation and of another organisation whose manifest serves the
 * API on custom domains and names browser origins.
 */
import { validateManifest, type Manifest, type ManifestInput, type Workload } from '../../accounts/schema';
import { Naming } from '../../modules/core/naming';
import { API_TLS_POLICY, RETRY_AFTER_SECONDS } from '../../modules/workflow/payment-api';
import { PAYMENT_RECORD_KEYS } from '../../modules/workflow/payment-workflow';
import { paymentIdFor } from '../../contract/payment';
import { checkPermissions } from '../../tools/permissions/check';
import type { TfJson } from '../../modules/core/terraform-json';
import { simulate, type PolicyDocument } from '../support/iam-sim';
import { otherOrganisation } from '../support/manifests';
import { exampleManifest, parseManifest, policyJson, resourcesOf, synthManifest } from '../support/synth';

type Cfg = Record<string, any>;
const all = (tf: TfJson, type: string) => resourcesOf(tf, type).map(([, r]) => r as Cfg);
const fnEnv = (tf: TfJson, purpose: string) =>
  (all(tf, 'aws_lambda_function').find((f) => String(f.function_name).endsWith(`-${purpose}`))!.environment as { variables: Record<string, string> }).variables;
/** The inline policy of the role a resource's `role`/`role_arn` points at. */
const rolePolicyOf = (tf: TfJson, roleRef: string): PolicyDocument => {
  const roleId = /aws_iam_role\.([^.]+)\./.exec(roleRef)![1]!;
  const [, p] = resourcesOf(tf, 'aws_iam_role_policy').find(([, p]) => String(p.role).includes(`aws_iam_role.${roleId}.`))!;
  return policyJson(p.policy) as PolicyDocument;
};

const example = synthManifest(exampleManifest());
const dev = example.stacks.get('payments-dev-eu-west-1') as TfJson;
const devWorkload = example.manifest.workloads[0]!;
/** The workload's data key in the dev stack: its synthesized reference, a stand-in ARN and its key policy. */
const [dataKeyId, dataKey] = resourcesOf(dev, 'aws_kms_key').find(([, k]) => k.multi_region === true)!;
const KEY_REF = `\${aws_kms_key.${dataKeyId}.arn}`;
const KEY_ARN = `arn:aws:kms:${devWorkload.primaryRegion}:${devWorkload.accountId}:key/mrk-0123456789abcdef0123456789abcdef`;
const keyPolicy = policyJson(dataKey.policy) as PolicyDocument;

/** Another organisation: its first prod workload served on a custom domain in every region; two origins named there, one in its first workload. */
function withDomains(): { manifest: Manifest; live: Workload; certificate: (region: string) => string } {
  const input = otherOrganisation();
  const i = input.workloads.findIndex((w) => w.environment === 'prod' && (w.replicaRegions ?? []).length > 0);
  const w = input.workloads[i]!;
  const certificate = (region: string) => `arn:aws:acm:${region}:${w.accountId}:certificate/0e1d2c3b-4a59-4876-9a5b-4c3d2e1f0a9b`;
  const regions = [w.primaryRegion, ...(w.replicaRegions ?? [])];
  input.workloads[i] = {
    ...w,
    api: { corsOrigins: ['https://shop.acme.test', 'https://admin.acme.test'], domains: Object.fromEntries(regions.map((r) => [r, { name: `pay-${r}.acme.test`, certificateArn: certificate(r) }])) },
  };
  input.workloads[0] = { ...input.workloads[0]!, api: { corsOrigins: ['https://shop.acme.test'] } };
  const manifest = parseManifest(input);
  return { manifest, live: manifest.workloads[i]!, certificate };
}

describe('before any function runs', () => {
  test('given any content type, then the body is validated against the one request model ($default as well as application/json)', () => {
    const post = all(dev, 'aws_api_gateway_method').find((m) => m.http_method === 'POST')!;
    const [[modelId]] = resourcesOf(dev, 'aws_api_gateway_model') as [string, Cfg][];
    expect(post.request_models).toEqual({ 'application/json': `\${aws_api_gateway_model.${modelId}.name}`, $default: `\${aws_api_gateway_model.${modelId}.name}` });
  });

  test("given a client over its usage plan's rate or quota, then API Gateway answers 429 with Retry-After", () => {
    const byType = Object.fromEntries(all(dev, 'aws_api_gateway_gateway_response').map((r) => [r.response_type, r]));
    for (const type of ['THROTTLED', 'QUOTA_EXCEEDED']) {
      expect(byType[type]).toMatchObject({ status_code: '429', response_parameters: { 'gatewayresponse.header.Retry-After': `'${RETRY_AFTER_SECONDS}'` } });
    }
    // each client has its own plan with a rate and a burst (manifest `payments.clients`)
    for (const plan of all(dev, 'aws_api_gateway_usage_plan')) expect(Number(plan.throttle_settings.rate_limit)).toBeGreaterThan(0);
  });

  test('given a workload that names no origin, then the functions are given none and the API has no OPTIONS method', () => {
    expect(devWorkload.api.corsOrigins).toEqual([]);
    expect([fnEnv(dev, 'submit').CORS_ORIGINS, fnEnv(dev, 'status').CORS_ORIGINS]).toEqual(['', '']);
    expect(Object.keys(fnEnv(dev, 'submit'))).not.toContain('ALLOWED_ORIGIN');
    expect(all(dev, 'aws_api_gateway_method').map((m) => m.http_method)).not.toContain('OPTIONS');
  });
});

describe('TLS', () => {
  const { manifest, live, certificate } = withDomains();
  const s = synthManifest(manifest);

  test('given a workload without custom domains, then its API keeps the default endpoint and no domain is created', () => {
    expect(all(dev, 'aws_api_gateway_rest_api')[0]!.disable_execute_api_endpoint).toBe(false);
    expect(all(dev, 'aws_api_gateway_domain_name')).toEqual([]);
  });

  test('given a custom domain per region, then each region serves the API there with TLS 1.2 or better only, its certificate, and the default endpoint disabled', () => {
    for (const region of [live.primaryRegion, ...live.replicaRegions]) {
      const tf = s.stacks.get(`payments-${live.name}-${region}`) as TfJson;
      const [domain] = all(tf, 'aws_api_gateway_domain_name');
      expect(domain).toMatchObject({
        domain_name: `pay-${region}.acme.test`,
        security_policy: API_TLS_POLICY,
        regional_certificate_arn: certificate(region),
        endpoint_configuration: { types: ['REGIONAL'] },
      });
      expect(API_TLS_POLICY).toBe('TLS_1_2');
      const [api] = resourcesOf(tf, 'aws_api_gateway_rest_api') as [string, Cfg][];
      expect(api![1].disable_execute_api_endpoint).toBe(true);
      const [mapping] = all(tf, 'aws_api_gateway_base_path_mapping');
      expect(mapping).toMatchObject({ api_id: `\${aws_api_gateway_rest_api.${api![0]}.id}` });
      expect(String(mapping!.stage_name)).toMatch(/aws_api_gateway_stage\..+\.stage_name/);
      const url = Object.entries(tf.output ?? {}).find(([n]) => /_api_url_/.test(n))![1];
      expect(url.value).toBe(`https://pay-${region}.acme.test/payments`);
    }
  });

  test('given two origins, then the functions echo either and API Gateway’s own answers carry none; given one, then they carry exactly it', () => {
    const tf = s.stacks.get(`payments-${live.name}-${live.primaryRegion}`) as TfJson;
    expect(fnEnv(tf, 'submit').CORS_ORIGINS).toBe('https://shop.acme.test,https://admin.acme.test');
    for (const r of all(tf, 'aws_api_gateway_gateway_response')) expect(Object.keys(r.response_parameters ?? {}).filter((h) => h.includes('Access-Control'))).toEqual([]);
    const first = manifest.workloads[0]!;
    const one = s.stacks.get(`payments-${first.name}-${first.primaryRegion}`) as TfJson;
    for (const r of all(one, 'aws_api_gateway_gateway_response')) {
      expect(r.response_parameters['gatewayresponse.header.Access-Control-Allow-Origin']).toBe("'https://shop.acme.test'");
    }
  });

  test('given named origins, then OPTIONS answers preflights without authentication, running no function, and the resource policy opens OPTIONS alone to anyone', async () => {
    const tf = s.stacks.get(`payments-${live.name}-${live.primaryRegion}`) as TfJson;
    const options = (resourcesOf(tf, 'aws_api_gateway_method') as [string, Cfg][]).filter(([, m]) => m.http_method === 'OPTIONS');
    expect(options.map(([, m]) => m.authorization)).toEqual(['NONE', 'NONE']);
    // the only methods without authentication, and their integrations are mocks
    expect(all(tf, 'aws_api_gateway_method').filter((m) => m.authorization !== 'AWS_IAM')).toHaveLength(2);
    const integrationOf = (id: string) => all(tf, 'aws_api_gateway_integration').find((i) => i.http_method === `\${aws_api_gateway_method.${id}.http_method}`);
    expect(options.map(([id]) => integrationOf(id)?.type)).toEqual(['MOCK', 'MOCK']);
    for (const r of all(tf, 'aws_api_gateway_integration_response')) {
      const template = String(r.response_templates['application/json']);
      // the named origins, each as a quoted literal, are the only ones echoed
      expect(template.match(/"https:[^"]+"/g)).toEqual(['"https://shop.acme.test"', '"https://admin.acme.test"']);
      expect(template).toContain('$context.responseOverride.header.Access-Control-Allow-Origin');
    }
    const executionArn = `arn:aws:execute-api:${live.primaryRegion}:${live.accountId}:a1b2c3d4e5`;
    const [, p] = resourcesOf(tf, 'aws_api_gateway_rest_api_policy')[0]!;
    const resourcePolicy = policyJson(String(p.policy).replace(/\$\{aws_api_gateway_rest_api\.[^}]+\.execution_arn\}/g, executionArn)) as PolicyDocument;
    const stranger = 'arn:aws:iam::999999999999:role/browser-user';
    const call = (method: string) =>
      simulate({
        principal: stranger,
        action: 'execute-api:Invoke',
        resource: `${executionArn}/v1/${method}`,
        resourceAccount: live.accountId,
        identityPolicies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' }] }],
        resourcePolicy,
        context: { 'aws:PrincipalArn': stranger, 'aws:PrincipalAccount': '999999999999', 'aws:SecureTransport': 'true' },
      });
    expect(await call('OPTIONS/payments')).toBe('Allowed');
    expect(await call(`OPTIONS/payments/${paymentIdFor('x', 'y-key-123')}`)).toBe('Allowed');
    expect(await call('POST/payments')).toBe('ExplicitlyDenied');
    expect(await call(`GET/payments/${paymentIdFor('x', 'y-key-123')}`)).toBe('ExplicitlyDenied');
  });

  test('given the domains, then the deploy role may create them (and the encrypted state machine) and the plan role may read them back', async () => {
    const names = [...s.stacks.keys()].filter((n) => n === `bootstrap-${live.name}` || n.startsWith(`payments-${live.name}-`));
    const result = await checkPermissions(new Map(names.map((n) => [n, s.stacks.get(n) as TfJson])), { all: true });
    expect([...result.unknownTypes.map((u) => u.type), ...result.denied.map((d) => `${d.address} ${d.phase} ${d.action} as ${d.role}`)]).toEqual([]);
    const evaluated = (type: string, action: string, role: string) => result.all!.filter((e) => e.type === type && e.action === action && e.role === role && e.decision === 'Allowed').length;
    expect(evaluated('aws_api_gateway_domain_name', 'apigateway:POST', 'deploy')).toBeGreaterThan(0);
    expect(evaluated('aws_api_gateway_base_path_mapping', 'apigateway:GET', 'plan')).toBeGreaterThan(0);
    expect(evaluated('aws_sfn_state_machine', 'kms:GenerateDataKey', 'deploy')).toBeGreaterThan(0);
    expect(evaluated('aws_sfn_state_machine', 'kms:Decrypt', 'plan')).toBeGreaterThan(0);
  });

  test.each([
    [
      'a region the workload does not have',
      (_w: Cfg, cert: (r: string) => string) => ({ domains: { 'ap-south-1': { name: 'pay.acme.test', certificateArn: cert('ap-south-1') } } }),
      /api\.domains\.ap-south-1$/,
    ],
    [
      'a certificate of another region',
      (w: Cfg, cert: (r: string) => string) => ({ domains: { [w.primaryRegion]: { name: 'pay.acme.test', certificateArn: cert('ap-south-1') } } }),
      /certificateArn$/,
    ],
    ['a wildcard origin', () => ({ corsOrigins: ['*'] }), /api\.corsOrigins\[0\]$/],
    ['a plain-http origin', () => ({ corsOrigins: ['http://shop.acme.test'] }), /api\.corsOrigins\[0\]$/],
  ])('given %s, then the manifest is refused at that path', (_label, api, path) => {
    const input = otherOrganisation() as ManifestInput & { workloads: Cfg[] };
    const w = input.workloads[0]!;
    w.api = api(w, (r) => `arn:aws:acm:${r}:${w.accountId}:certificate/0e1d2c3b-4a59-4876-9a5b-4c3d2e1f0a9b`);
    const result = validateManifest(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => p.path)).toEqual(expect.arrayContaining([expect.stringMatching(path)]));
  });
});

describe('what the roles may touch', () => {
  test('given the submit role, then it may write and read payment records only: not the velocity windows, and it deletes nothing', async () => {
    const submit = all(dev, 'aws_lambda_function').find((f) => String(f.function_name).endsWith('-submit'))!;
    const policy = rolePolicyOf(dev, String(submit.role));
    const table = `arn:aws:dynamodb:${devWorkload.primaryRegion}:${devWorkload.accountId}:table/${fnEnv(dev, 'submit').PAYMENTS_TABLE}`;
    const as = (action: string, key?: string) =>
      simulate({
        principal: `arn:aws:iam::${devWorkload.accountId}:role/submit`,
        action,
        resource: table,
        resourceAccount: devWorkload.accountId,
        identityPolicies: [policy],
        context: { 'aws:SecureTransport': 'true', ...(key ? { 'dynamodb:LeadingKeys': [key] } : {}) },
      });
    expect(PAYMENT_RECORD_KEYS).toBe('pay_*');
    const payment = paymentIdFor('default', 'some-key-123');
    expect(await as('dynamodb:PutItem', payment)).toBe('Allowed');
    expect(await as('dynamodb:GetItem', payment)).toBe('Allowed');
    expect(await as('dynamodb:PutItem', 'velocity#cus_someone')).not.toBe('Allowed');
    expect(await as('dynamodb:PutItem')).not.toBe('Allowed');
    expect(await as('dynamodb:DeleteItem', payment)).not.toBe('Allowed');
  });

  test("given the state machine, then its definition and execution data are encrypted with the workload's data key, which its role may use through Step Functions and not directly", async () => {
    const [sm] = all(dev, 'aws_sfn_state_machine');
    const enc = [sm!.encryption_configuration].flat()[0] as Cfg;
    expect(enc).toEqual({ type: 'CUSTOMER_MANAGED_KMS_KEY', kms_key_id: KEY_REF, kms_data_key_reuse_period_seconds: 300 });
    // the key of the workload's other data: the payments table's in this region
    expect(all(dev, 'aws_dynamodb_table').some((t) => t.server_side_encryption?.kms_key_arn === KEY_REF)).toBe(true);
    const policy = JSON.parse(JSON.stringify(rolePolicyOf(dev, String(sm!.role_arn))).replaceAll(KEY_REF, KEY_ARN)) as PolicyDocument;
    const machine = `arn:aws:states:${devWorkload.primaryRegion}:${devWorkload.accountId}:stateMachine:${String(sm!.name)}`;
    const as = (action: string, via?: string) =>
      simulate({
        principal: `arn:aws:iam::${devWorkload.accountId}:role/states`,
        action,
        resource: KEY_ARN,
        resourceAccount: devWorkload.accountId,
        identityPolicies: [policy],
        resourcePolicy: keyPolicy,
        context: { 'aws:SecureTransport': 'true', 'kms:CallerAccount': devWorkload.accountId, 'kms:EncryptionContext:aws:states:stateMachineArn': machine, ...(via ? { 'kms:ViaService': via } : {}) },
      });
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      expect(await as(action, `states.${devWorkload.primaryRegion}.amazonaws.com`)).toBe('Allowed');
      expect(await as(action)).not.toBe('Allowed');
    }
  });

  test('given the plan role, then it may decrypt through Step Functions only (a refresh of the encrypted state machine): not through another service, not directly', async () => {
    const naming = new Naming(example.manifest);
    const boot = example.stacks.get(`bootstrap-${devWorkload.name}`) as TfJson;
    const [planRoleId] = resourcesOf(boot, 'aws_iam_role').find(([, r]) => r.name === naming.accessRoleName('plan'))!;
    const policies = resourcesOf(boot, 'aws_iam_role_policy')
      .filter(([, p]) => String(p.role).includes(`aws_iam_role.${planRoleId}.`))
      .map(([, p]) => policyJson(p.policy) as PolicyDocument);
    const decrypt = (via?: string) =>
      simulate({
        principal: naming.accessRoleArn('plan', devWorkload.accountId),
        action: 'kms:Decrypt',
        resource: KEY_ARN,
        resourceAccount: devWorkload.accountId,
        identityPolicies: policies,
        resourcePolicy: keyPolicy,
        context: { 'aws:SecureTransport': 'true', 'kms:CallerAccount': devWorkload.accountId, ...(via ? { 'kms:ViaService': via } : {}) },
      });
    expect(await decrypt(`states.${devWorkload.primaryRegion}.amazonaws.com`)).toBe('Allowed');
    expect(await decrypt(`dynamodb.${devWorkload.primaryRegion}.amazonaws.com`)).not.toBe('Allowed');
    expect(await decrypt()).not.toBe('Allowed');
  });
});
