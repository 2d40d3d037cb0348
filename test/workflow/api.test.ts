/** The synthesized payments API (contract of issue 4). */
import { exampleManifest, resourcesOf, synthManifest, type TfJson } from '../support/synth';
import { REJECT_REASONS } from '../../lambdas/shared/payment';

const synth = synthManifest(exampleManifest());
const stack = synth.stacks.get('payments-dev-eu-west-1') as TfJson;
const all = (type: string) => resourcesOf(stack, type).map(([, r]) => r);

describe('payments API', () => {
  test('F-18: POST /payments needs an API key, validates the body against the model and requires Idempotency-Key', () => {
    const post = all('aws_api_gateway_method').find((m) => m.http_method === 'POST')!;
    expect(post).toMatchObject({ api_key_required: true, request_parameters: { 'method.request.header.Idempotency-Key': true } });
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

  test('F-18: OPTIONS answered without a key on both resources; 4XX and 5XX gateway responses carry CORS headers', () => {
    const options = all('aws_api_gateway_method').filter((m) => m.http_method === 'OPTIONS');
    expect(options).toHaveLength(2);
    expect(options.every((m) => m.api_key_required === false)).toBe(true);
    const responses = all('aws_api_gateway_gateway_response');
    expect(responses.map((r) => r.response_type).sort()).toEqual(['BAD_REQUEST_BODY', 'BAD_REQUEST_PARAMETERS', 'DEFAULT_4XX', 'DEFAULT_5XX']);
    for (const r of responses) expect(Object.keys(r.response_parameters as object)).toEqual(expect.arrayContaining(['gatewayresponse.header.Access-Control-Allow-Origin', 'gatewayresponse.header.Access-Control-Allow-Headers']));
  });

  test('a request the API refuses before any function runs answers 400 in the function\'s shape: REJECTED with a reason', () => {
    const byType = Object.fromEntries(all('aws_api_gateway_gateway_response').map((r) => [r.response_type, r]));
    for (const [type, reason] of [['BAD_REQUEST_BODY', 'invalid_body'], ['BAD_REQUEST_PARAMETERS', 'invalid_idempotency_key']] as const) {
      expect(byType[type].status_code).toBe('400');
      const template = String((byType[type].response_templates as Record<string, string>)['application/json']);
      // API Gateway substitutes $context.error.messageString as a quoted JSON string
      const rendered = JSON.parse(template.replace('$context.error.messageString', JSON.stringify('Invalid request body')));
      expect(rendered).toEqual({ status: 'REJECTED', reason, message: 'Invalid request body' });
      expect(REJECT_REASONS).toContain(reason);
    }
  });

  test('F-18: a usage plan with throttling holds the API key, on the deployed stage', () => {
    const [plan] = all('aws_api_gateway_usage_plan');
    expect(plan.throttle_settings).toEqual({ burst_limit: 100, rate_limit: 50 });
    expect(all('aws_api_gateway_usage_plan_key')[0]).toMatchObject({ key_type: 'API_KEY' });
    expect(all('aws_api_gateway_stage')[0]).toMatchObject({ xray_tracing_enabled: true });
    expect((all('aws_api_gateway_stage')[0].access_log_settings as { destination_arn: string }).destination_arn).toMatch(/aws_cloudwatch_log_group/);
  });

  test('F-12: no output exposes the API key value; only its id, named as such', () => {
    for (const [name, out] of Object.entries(stack.output ?? {})) {
      expect([name, String(out.value)]).not.toEqual([name, expect.stringMatching(/aws_api_gateway_api_key\.[^.]+\.value/)]);
    }
    const keyOutputs = Object.entries(stack.output ?? {}).filter(([, o]) => String(o.value).includes('aws_api_gateway_api_key'));
    expect(keyOutputs.map(([n, o]) => [n, String(o.value)])).toEqual([[expect.stringMatching(/api-key-id/), expect.stringMatching(/\.id\}$/)]]);
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
    expect(fns).toHaveLength(6);
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

  test('F-14: no role policy of the workflow grants Action * or a write on Resource *', () => {
    for (const p of all('aws_iam_role_policy')) {
      for (const s of JSON.parse(String(p.policy)).Statement as { Action: string | string[]; Resource: string | string[] }[]) {
        const actions = ([] as string[]).concat(s.Action);
        expect(actions).not.toContain('*');
        if (([] as string[]).concat(s.Resource).includes('*')) {
          expect(actions.every((a) => a.startsWith('xray:') || a.startsWith('logs:'))).toBe(true);
        }
      }
    }
  });
});
