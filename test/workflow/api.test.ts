/** The synthesized payments API: the contract its clients rely on. */
import { apiClientsOf, type Workload } from '../../accounts/schema';
import { REJECT_REASONS } from '../../contract/payment';
import { simulate, type PolicyDocument } from '../support/iam-sim';
import { otherOrganisation } from '../support/manifests';
import { exampleManifest, parseManifest, policyJson, resourcesOf, synthManifest, type TfJson } from '../support/synth';

const synth = synthManifest(exampleManifest());
const stack = synth.stacks.get('payments-dev-eu-west-1') as TfJson;
const all = (type: string) => resourcesOf(stack, type).map(([, r]) => r);

describe('payments API', () => {
  test('F-18: POST /payments is IAM-authorized, needs an API key, validates the body against the model and requires Idempotency-Key', () => {
    const post = all('aws_api_gateway_method').find((m) => m.http_method === 'POST')!;
    expect(post).toMatchObject({ authorization: 'AWS_IAM', api_key_required: true, request_parameters: { 'method.request.header.Idempotency-Key': true } });
    expect(post.request_validator_id).toMatch(/aws_api_gateway_request_validator/);
    expect(all('aws_api_gateway_request_validator')[0]).toMatchObject({ validate_request_body: true, validate_request_parameters: true });
  });

  test('the body model rejects any other field and carries the field rules and the workload limits', () => {
    const schema = JSON.parse(String(all('aws_api_gateway_model')[0].schema));
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.paymentMethod.additionalProperties).toBe(false);
    expect(schema.properties.amount).toEqual({ type: 'integer', minimum: 1, maximum: 100_000 });
    expect(schema.properties.currency.enum).toEqual(['EUR', 'USD']);
    expect(schema.properties.merchantId.pattern).toBe('^mer_[A-Za-z0-9]{3,32}$');
    expect(schema.properties.customerId.pattern).toBe('^cus_[A-Za-z0-9]{3,32}$');
    expect(schema.properties.paymentMethod.properties.token.pattern).toBe('^tok_[A-Za-z0-9_]{3,64}$');
    expect(schema.properties.description.maxLength).toBe(500);
  });

  test('every method is IAM-authorized (no unauthenticated method); without origins in the manifest no answer of API Gateway carries a CORS header', () => {
    const methods = all('aws_api_gateway_method');
    expect(methods.map((m) => `${m.http_method} ${m.authorization}`).sort()).toEqual(['GET AWS_IAM', 'POST AWS_IAM']);
    const responses = all('aws_api_gateway_gateway_response');
    expect(responses.map((r) => r.response_type).sort()).toEqual(['BAD_REQUEST_BODY', 'BAD_REQUEST_PARAMETERS', 'DEFAULT_4XX', 'DEFAULT_5XX', 'QUOTA_EXCEEDED', 'THROTTLED']);
    expect(synth.manifest.workloads[0]!.api.corsOrigins).toEqual([]);
    for (const r of responses) expect(Object.keys((r.response_parameters ?? {}) as object).filter((h) => /Access-Control/i.test(h))).toEqual([]);
  });

  test("a request the API refuses before any function runs answers 400 in the function's shape: REJECTED with a reason", () => {
    const byType = Object.fromEntries(all('aws_api_gateway_gateway_response').map((r) => [r.response_type, r]));
    for (const [type, reason] of [
      ['BAD_REQUEST_BODY', 'invalid_body'],
      ['BAD_REQUEST_PARAMETERS', 'invalid_idempotency_key'],
    ] as const) {
      expect(byType[type].status_code).toBe('400');
      const template = String((byType[type].response_templates as Record<string, string>)['application/json']);
      // API Gateway substitutes $context.error.messageString as a quoted JSON string
      const rendered = JSON.parse(template.replace('$context.error.messageString', JSON.stringify('Invalid request body')));
      expect(rendered).toEqual({ status: 'REJECTED', reason, message: 'Invalid request body' });
      expect(REJECT_REASONS).toContain(reason);
    }
  });

  test('F-18: each client has its own API key in its own usage plan, throttled by its manifest limits (50/100 where it sets none)', () => {
    const clients = apiClientsOf(synth.manifest.workloads[0]!);
    const plans = all('aws_api_gateway_usage_plan');
    const keys = all('aws_api_gateway_api_key');
    expect(plans).toHaveLength(clients.length);
    expect(keys).toHaveLength(clients.length);
    for (const c of clients) {
      const plan = plans.find((p) => String(p.name).endsWith(`-${c.name}`))!;
      expect(plan.throttle_settings).toEqual({ rate_limit: c.rateLimitPerSecond ?? 50, burst_limit: c.burst ?? 100 });
      const key = resourcesOf(stack, 'aws_api_gateway_api_key').find(([, k]) => k.name === plan.name)!;
      expect(
        all('aws_api_gateway_usage_plan_key')
          .filter((pk) => pk.key_id === `\${aws_api_gateway_api_key.${key[0]}.id}`)
          .map((pk) => pk.usage_plan_id),
      ).toEqual([`\${aws_api_gateway_usage_plan.${resourcesOf(stack, 'aws_api_gateway_usage_plan').find(([, p]) => p === plan)![0]}.id}`]);
    }
    expect(all('aws_api_gateway_stage')[0]).toMatchObject({ xray_tracing_enabled: true });
    expect((all('aws_api_gateway_stage')[0].access_log_settings as { destination_arn: string }).destination_arn).toMatch(/aws_cloudwatch_log_group/);
  });

  test('F-12: no output exposes the API key value; only its id, named as such', () => {
    for (const [name, out] of Object.entries(stack.output ?? {})) {
      expect([name, String(out.value)]).not.toEqual([name, expect.stringMatching(/aws_api_gateway_api_key\.[^.]+\.value/)]);
    }
    const keyOutputs = Object.entries(stack.output ?? {}).filter(([, o]) => String(o.value).includes('aws_api_gateway_api_key'));
    expect(keyOutputs).toHaveLength(all('aws_api_gateway_api_key').length);
    for (const [n, o] of keyOutputs) expect([n, String(o.value)]).toEqual([expect.stringMatching(/api-key-id/), expect.stringMatching(/\.id\}$/)]);
  });

  test('F-17: integrations time out at ≤ 29 s and no function behind the API may run longer', () => {
    const integrations = all('aws_api_gateway_integration').filter((i) => i.type === 'AWS_PROXY');
    expect(integrations).toHaveLength(2);
    const fns = Object.fromEntries(resourcesOf(stack, 'aws_lambda_function'));
    for (const i of integrations) {
      expect(Number(i.timeout_milliseconds)).toBeLessThanOrEqual(29_000);
      const id = /aws_lambda_function\.([^.]+)\.invoke_arn/.exec(String(i.uri))![1];
      expect(Number(fns[id].timeout) * 1000).toBeLessThan(29_000);
    }
  });
});

describe('functions', () => {
  test('F-16 F-15: every function runs nodejs22.x with Active tracing, JSON logs into its own KMS-encrypted log group', () => {
    const fns = all('aws_lambda_function');
    expect(fns).toHaveLength(7);
    for (const f of fns) {
      expect(f).toMatchObject({ runtime: 'nodejs22.x', handler: 'index.handler', tracing_config: { mode: 'Active' } });
      expect((f.logging_config as { log_format: string }).log_format).toBe('JSON');
    }
    for (const g of all('aws_cloudwatch_log_group')) expect(String(g.kms_key_id)).toMatch(/kms/);
  });

  test('F-26: the code hash of a function is the same in every stack and every synth (deterministic bundles)', () => {
    const hashes = (tf: TfJson) => Object.fromEntries(resourcesOf(tf, 'aws_lambda_function').map(([, f]) => [String(f.function_name).split('-').pop(), f.source_code_hash]));
    const dev = hashes(stack);
    const staging = hashes(synth.stacks.get('payments-staging-eu-west-1') as TfJson);
    expect(staging).toEqual(dev);
  });

  test("given a sandbox (dev) and a live (prod) workload, then only the live one's charge and reconcile roles may read the gateway credential", () => {
    const secretReaders = (tf: TfJson) =>
      resourcesOf(tf, 'aws_iam_role_policy')
        .filter(([, p]) => policyJson(p.policy).Statement.some((st) => ([] as unknown[]).concat(st.Action).includes('secretsmanager:GetSecretValue')))
        .map(([id]) => /^workflow_(charge|reconcile|[a-z]+)_/.exec(id)?.[1] ?? id)
        .sort();
    expect(secretReaders(stack)).toEqual([]);
    expect(secretReaders(synth.stacks.get('payments-prod-eu-west-1') as TfJson)).toEqual(['charge', 'reconcile']);
  });

  test('F-14: no role policy of the workflow grants Action * or a write on Resource *', () => {
    for (const p of all('aws_iam_role_policy')) {
      for (const s of policyJson(p.policy).Statement as unknown as { Action: string | string[]; Resource: string | string[] }[]) {
        const actions = ([] as string[]).concat(s.Action);
        expect(actions).not.toContain('*');
        if (([] as string[]).concat(s.Resource).includes('*')) {
          expect(actions.every((a) => a.startsWith('xray:') || a.startsWith('logs:'))).toBe(true);
        }
      }
    }
  });
});

/**
 * The API's resource policy, evaluated by the IAM simulator as API Gateway evaluates it with
 * IAM authorization: the identity policy of the caller (allowing execute-api:Invoke on
 * everything, the most a caller's own account can grant) together with the resource policy.
 */
describe("who may call the API: exactly the clients' principals", () => {
  const EXECUTION_ARN = (w: Workload) => `arn:aws:execute-api:${w.primaryRegion}:${w.accountId}:a1b2c3d4e5`;
  const policyOf = (tf: TfJson, w: Workload): PolicyDocument => {
    const [, p] = resourcesOf(tf, 'aws_api_gateway_rest_api_policy')[0]!;
    return policyJson(String(p.policy).replace(/\$\{aws_api_gateway_rest_api\.[^}]+\.execution_arn\}/g, EXECUTION_ARN(w)));
  };
  const callerMayInvokeAnything: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' }] };
  const call = (w: Workload, tf: TfJson, principal: string, method: string) => {
    const account = /^arn:aws:iam::(\d{12}):/.exec(principal)![1]!;
    return simulate({
      principal,
      action: 'execute-api:Invoke',
      resource: `${EXECUTION_ARN(w)}/v1/${method}`,
      resourceAccount: w.accountId,
      identityPolicies: [callerMayInvokeAnything],
      resourcePolicy: policyOf(tf, w),
      context: { 'aws:PrincipalArn': principal, 'aws:PrincipalAccount': account, 'aws:SecureTransport': 'true' },
    });
  };

  test('given the dev clients (an account, a role of another account, a partner account), then each may call both methods and no one else may', async () => {
    const w = synth.manifest.workloads[0]!;
    const [own, , partner] = apiClientsOf(w).map((c) => c.principals[0]!);
    const checkoutRole = apiClientsOf(w)[1]!.principals[0]!;
    const roleAccount = /::(\d{12}):/.exec(checkoutRole)![1]!;
    for (const method of ['POST/payments', `GET/payments/pay_${'0'.repeat(32)}`]) {
      expect(await call(w, stack, `arn:aws:iam::${own}:role/any-role-of-the-workload`, method)).toBe('Allowed');
      expect(await call(w, stack, checkoutRole, method)).toBe('Allowed');
      expect(await call(w, stack, `arn:aws:iam::${partner}:role/billing-job`, method)).toBe('Allowed');
      // another role in the account of the checkout role is no client
      expect(await call(w, stack, `arn:aws:iam::${roleAccount}:role/other-service`, method)).toBe('ExplicitlyDenied');
    }
  });

  test("given a workload whose manifest names no client, then only its own account's principals may call; a principal of another account of the organisation is refused before any function runs", async () => {
    const other = parseManifest(otherOrganisation());
    const w = other.workloads[0]!;
    expect(apiClientsOf(w)).toEqual([{ name: 'default', principals: [w.accountId] }]);
    const tf = synthManifest(other).stacks.get(`payments-${w.name}-${w.primaryRegion}`) as TfJson;
    const neighbour = other.workloads[1]!.accountId;
    expect(await call(w, tf, `arn:aws:iam::${w.accountId}:role/shop`, 'POST/payments')).toBe('Allowed');
    expect(await call(w, tf, `arn:aws:iam::${neighbour}:role/shop`, 'POST/payments')).not.toBe('Allowed');
    expect(await call(w, tf, `arn:aws:iam::${neighbour}:role/shop`, `GET/payments/pay_${'0'.repeat(32)}`)).not.toBe('Allowed');
    // the functions learn the clients from the same manifest entry
    const submit = resourcesOf(tf, 'aws_lambda_function').find(([, f]) => String(f.function_name).endsWith('-submit'))![1];
    expect(JSON.parse((submit.environment as { variables: Record<string, string> }).variables.API_CLIENTS!)).toEqual([{ name: 'default', principals: [w.accountId] }]);
  });

  test("given a client that is one role of the workload's own account, then another role of that account is explicitly denied, even when its own policy allows it", async () => {
    const input = otherOrganisation();
    const w0 = input.workloads[0]!;
    const shopRole = `arn:aws:iam::${w0.accountId}:role/shop-frontend`;
    input.workloads[0] = { ...w0, payments: { ...w0.payments, clients: [{ name: 'shop', principals: [shopRole] }] } };
    const m = parseManifest(input);
    const w = m.workloads[0]!;
    const tf = synthManifest(m).stacks.get(`payments-${w.name}-${w.primaryRegion}`) as TfJson;
    expect(await call(w, tf, shopRole, 'POST/payments')).toBe('Allowed');
    expect(await call(w, tf, `arn:aws:iam::${w.accountId}:role/ops-admin`, 'POST/payments')).toBe('ExplicitlyDenied');
  });

  test('a change of the resource policy redeploys the API (a policy takes effect on deployment)', () => {
    const [, deployment] = resourcesOf(stack, 'aws_api_gateway_deployment')[0]!;
    expect(JSON.stringify(deployment.triggers)).toMatch(/aws_api_gateway_rest_api_policy\.[^.]+\.policy/);
    expect(policyJson(resourcesOf(stack, 'aws_api_gateway_rest_api_policy')[0]![1].policy).Statement.map((st) => st.Sid)).toEqual(['ApiClients', 'NoOtherPrincipal']);
  });
});
