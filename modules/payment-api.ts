/**
 * The payments REST API (contract in issue 4):
 * - `POST /payments` → submit function (Lambda proxy): API key required, request validator
 *   with a JSON-schema model of the body (additionalProperties false, the field patterns,
 *   the workload's currencies and maximum) and the `Idempotency-Key` header required;
 * - `GET /payments/{paymentId}` → status function;
 * - `OPTIONS` on both (MOCK) and CORS headers on the DEFAULT_4XX/5XX gateway responses, so
 *   browsers see errors too (F-18);
 * - usage plan with throttling and an API key clients obtain from the usage plan (F-18);
 *   only the key's id is an output, never its value (F-12);
 * - access logs (JSON) into a KMS-encrypted log group, X-Ray tracing;
 * - integration timeouts ≤ 29 s and no function behind the API that may run longer (F-17).
 */
import { Construct } from 'constructs';
import { Fn, TerraformOutput } from 'cdktf';
import { ApiGatewayAccount } from '@cdktf/provider-aws/lib/api-gateway-account';
import { ApiGatewayApiKey } from '@cdktf/provider-aws/lib/api-gateway-api-key';
import { ApiGatewayDeployment } from '@cdktf/provider-aws/lib/api-gateway-deployment';
import { ApiGatewayGatewayResponse } from '@cdktf/provider-aws/lib/api-gateway-gateway-response';
import { ApiGatewayIntegration } from '@cdktf/provider-aws/lib/api-gateway-integration';
import { ApiGatewayIntegrationResponse } from '@cdktf/provider-aws/lib/api-gateway-integration-response';
import { ApiGatewayMethod } from '@cdktf/provider-aws/lib/api-gateway-method';
import { ApiGatewayMethodResponse } from '@cdktf/provider-aws/lib/api-gateway-method-response';
import { ApiGatewayMethodSettings } from '@cdktf/provider-aws/lib/api-gateway-method-settings';
import { ApiGatewayModel } from '@cdktf/provider-aws/lib/api-gateway-model';
import { ApiGatewayRequestValidator } from '@cdktf/provider-aws/lib/api-gateway-request-validator';
import { ApiGatewayResource } from '@cdktf/provider-aws/lib/api-gateway-resource';
import { ApiGatewayRestApi } from '@cdktf/provider-aws/lib/api-gateway-rest-api';
import { ApiGatewayStage } from '@cdktf/provider-aws/lib/api-gateway-stage';
import { ApiGatewayUsagePlan } from '@cdktf/provider-aws/lib/api-gateway-usage-plan';
import { ApiGatewayUsagePlanKey } from '@cdktf/provider-aws/lib/api-gateway-usage-plan-key';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import type { AwsRegion, Workload } from '../accounts/schema';
import {
  CARD_TOKEN_PATTERN,
  CUSTOMER_ID_PATTERN,
  MAX_DESCRIPTION_LENGTH,
  MERCHANT_ID_PATTERN,
} from '../lambdas/shared/payment';
import type { NodeFunction } from './node-function';
import type { WorkloadNaming } from './naming';
import { ServiceRole } from './service-role';

/** API Gateway's hard limit for an integration, milliseconds (F-17). */
export const API_INTEGRATION_LIMIT_MS = 29_000;

export interface PaymentApiProps {
  readonly naming: WorkloadNaming;
  readonly region: AwsRegion;
  readonly workload: Workload;
  readonly submit: NodeFunction;
  readonly status: NodeFunction;
  readonly logKeyArn: string;
  /** @default "v1" */
  readonly stageName?: string;
  /** @default { rateLimit: 50, burstLimit: 100 } — requests per second per key */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /** @default "*" — the Access-Control-Allow-Origin answered to browsers */
  readonly allowedOrigin?: string;
  /** @default 365 */
  readonly logRetentionDays?: number;
}

/** The body model: the same rules the validate task enforces (lambdas/shared/payment.ts). */
export function paymentRequestSchema(workload: Workload): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-04/schema#',
    title: 'PaymentRequest',
    type: 'object',
    additionalProperties: false,
    required: ['amount', 'currency', 'merchantId', 'customerId', 'paymentMethod'],
    properties: {
      amount: { type: 'integer', minimum: 1, maximum: workload.payments.maxAmountMinor },
      currency: { type: 'string', enum: [...workload.payments.currencies] },
      merchantId: { type: 'string', pattern: MERCHANT_ID_PATTERN.source },
      customerId: { type: 'string', pattern: CUSTOMER_ID_PATTERN.source },
      paymentMethod: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'token'],
        properties: { type: { type: 'string', enum: ['card'] }, token: { type: 'string', pattern: CARD_TOKEN_PATTERN.source } },
      },
      description: { type: 'string', maxLength: MAX_DESCRIPTION_LENGTH },
    },
  };
}

export class PaymentApi extends Construct {
  readonly restApi: ApiGatewayRestApi;
  readonly stage: ApiGatewayStage;
  readonly apiKey: ApiGatewayApiKey;
  readonly usagePlan: ApiGatewayUsagePlan;
  readonly accessLogs: CloudwatchLogGroup;
  readonly executionLogs: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: PaymentApiProps) {
    super(scope, id);
    const n = props.naming;
    const origin = props.allowedOrigin ?? '*';
    const throttle = props.throttle ?? { rateLimit: 50, burstLimit: 100 };
    if (throttle.rateLimit <= 0 || throttle.burstLimit <= 0) throw new Error('PaymentApi: throttle.rateLimit and burstLimit must be positive (F-18: an API without throttling)');
    for (const fn of [props.submit, props.status]) {
      if (fn.timeoutSeconds * 1000 > API_INTEGRATION_LIMIT_MS) {
        throw new Error(`PaymentApi: function ${fn.node.id} may run ${fn.timeoutSeconds} s, longer than API Gateway's 29 s integration limit (F-17): lower its timeoutSeconds`);
      }
    }

    this.restApi = new ApiGatewayRestApi(this, 'api', {
      name: n.restApi(),
      description: `Payments API of ${n.prefix} in ${props.region}`,
      endpointConfiguration: { types: ['REGIONAL'] },
      apiKeySource: 'HEADER',
    });

    const stageName = props.stageName ?? 'v1';
    // Both log groups exist before the stage logs into them, each encrypted and with a retention:
    // the access log, and the execution log that API Gateway would otherwise create itself
    // (unencrypted, kept forever) under a name derived from the API's generated id.
    const retentionInDays = props.logRetentionDays ?? 365;
    this.accessLogs = new CloudwatchLogGroup(this, 'access-logs', { name: n.logGroup('api'), retentionInDays, kmsKeyId: props.logKeyArn });
    this.executionLogs = new CloudwatchLogGroup(this, 'execution-logs', { name: n.apiExecutionLogGroup(this.restApi.id, stageName), retentionInDays, kmsKeyId: props.logKeyArn });

    // API Gateway writes both through an account-level role (one per account and region; one
    // workload per account, so one API per role). It may write those two groups and read nothing.
    const cloudwatchRole = new ServiceRole(this, 'cloudwatch-role', {
      naming: n,
      roleName: n.role('api', props.region),
      description: `API Gateway logging in ${props.region}`,
      trust: { service: 'apigateway.amazonaws.com' },
      policyName: 'push-logs',
    });
    const groups = [this.accessLogs.arn, this.executionLogs.arn];
    cloudwatchRole.addToPolicy(
      { Sid: 'WriteApiLogs', Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], Resource: [...groups, ...groups.map((g) => `${g}:*`)] },
      { Sid: 'FindApiLogGroups', Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: `arn:aws:logs:${props.region}:${n.accountId}:log-group:*` },
    );
    const account = new ApiGatewayAccount(this, 'account', { cloudwatchRoleArn: cloudwatchRole.arn, dependsOn: [cloudwatchRole.policy] });

    const validator = new ApiGatewayRequestValidator(this, 'validator', {
      restApiId: this.restApi.id,
      name: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const model = new ApiGatewayModel(this, 'payment-request-model', {
      restApiId: this.restApi.id,
      name: 'PaymentRequest',
      contentType: 'application/json',
      schema: JSON.stringify(paymentRequestSchema(props.workload)),
    });

    const payments = new ApiGatewayResource(this, 'payments', { restApiId: this.restApi.id, parentId: this.restApi.rootResourceId, pathPart: 'payments' });
    const payment = new ApiGatewayResource(this, 'payment', { restApiId: this.restApi.id, parentId: payments.id, pathPart: '{paymentId}' });

    const post = new ApiGatewayMethod(this, 'post-payments', {
      restApiId: this.restApi.id,
      resourceId: payments.id,
      httpMethod: 'POST',
      authorization: 'NONE',
      apiKeyRequired: true,
      requestValidatorId: validator.id,
      requestModels: { 'application/json': model.name },
      requestParameters: { 'method.request.header.Idempotency-Key': true },
    });
    const postIntegration = new ApiGatewayIntegration(this, 'post-payments-integration', {
      restApiId: this.restApi.id,
      resourceId: payments.id,
      httpMethod: post.httpMethod,
      type: 'AWS_PROXY',
      integrationHttpMethod: 'POST',
      uri: props.submit.invokeArn,
      timeoutMilliseconds: API_INTEGRATION_LIMIT_MS,
    });
    const get = new ApiGatewayMethod(this, 'get-payment', {
      restApiId: this.restApi.id,
      resourceId: payment.id,
      httpMethod: 'GET',
      authorization: 'NONE',
      apiKeyRequired: true,
      requestValidatorId: validator.id,
      requestParameters: { 'method.request.path.paymentId': true },
    });
    const getIntegration = new ApiGatewayIntegration(this, 'get-payment-integration', {
      restApiId: this.restApi.id,
      resourceId: payment.id,
      httpMethod: get.httpMethod,
      type: 'AWS_PROXY',
      integrationHttpMethod: 'POST',
      uri: props.status.invokeArn,
      timeoutMilliseconds: API_INTEGRATION_LIMIT_MS,
    });
    const cors = {
      'Access-Control-Allow-Origin': `'${origin}'`,
      'Access-Control-Allow-Headers': "'Content-Type,Idempotency-Key,X-Api-Key'",
      'Access-Control-Allow-Methods': "'GET,POST,OPTIONS'",
    };
    const preflights = [
      ['payments', payments],
      ['payment', payment],
    ] as const;
    const corsParts: Construct[] = [];
    for (const [name, resource] of preflights) {
      const options = new ApiGatewayMethod(this, `options-${name}`, { restApiId: this.restApi.id, resourceId: resource.id, httpMethod: 'OPTIONS', authorization: 'NONE', apiKeyRequired: false });
      const integration = new ApiGatewayIntegration(this, `options-${name}-integration`, {
        restApiId: this.restApi.id,
        resourceId: resource.id,
        httpMethod: options.httpMethod,
        type: 'MOCK',
        requestTemplates: { 'application/json': '{"statusCode": 200}' },
      });
      const response = new ApiGatewayMethodResponse(this, `options-${name}-response`, {
        restApiId: this.restApi.id,
        resourceId: resource.id,
        httpMethod: options.httpMethod,
        statusCode: '200',
        responseParameters: Object.fromEntries(Object.keys(cors).map((h) => [`method.response.header.${h}`, true])),
      });
      const integrationResponse = new ApiGatewayIntegrationResponse(this, `options-${name}-integration-response`, {
        restApiId: this.restApi.id,
        resourceId: resource.id,
        httpMethod: options.httpMethod,
        statusCode: response.statusCode,
        responseParameters: Object.fromEntries(Object.entries(cors).map(([h, v]) => [`method.response.header.${h}`, v])),
        dependsOn: [integration],
      });
      corsParts.push(options, integration, response, integrationResponse);
    }
    // Requests the API refuses before any function runs answer in the function's own shape
    // (`{ status: "REJECTED", reason, message }`), so a client reads one contract for every 400.
    const refused = (reason: string) => ({ 'application/json': `{"status":"REJECTED","reason":"${reason}","message":$context.error.messageString}` });
    for (const [type, templates] of [
      ['DEFAULT_4XX', undefined],
      ['DEFAULT_5XX', undefined],
      ['BAD_REQUEST_BODY', refused('invalid_body')],
      ['BAD_REQUEST_PARAMETERS', refused('invalid_idempotency_key')],
    ] as const) {
      corsParts.push(
        new ApiGatewayGatewayResponse(this, `cors-${type.toLowerCase().replace(/_/g, '-')}`, {
          restApiId: this.restApi.id,
          responseType: type,
          statusCode: templates ? '400' : undefined,
          responseTemplates: templates,
          responseParameters: Object.fromEntries(Object.entries(cors).map(([h, v]) => [`gatewayresponse.header.${h}`, v])),
        }),
      );
    }

    for (const [name, fn, method, path] of [
      ['submit', props.submit, 'POST', '/payments'],
      ['status', props.status, 'GET', '/payments/*'],
    ] as const) {
      new LambdaPermission(this, `invoke-${name}`, {
        statementId: 'AllowApiGateway',
        action: 'lambda:InvokeFunction',
        functionName: fn.function.functionName,
        principal: 'apigateway.amazonaws.com',
        sourceArn: `${this.restApi.executionArn}/*/${method}${path}`,
      });
    }

    const parts = [model, validator, post, postIntegration, get, getIntegration, ...corsParts];
    const deployment = new ApiGatewayDeployment(this, 'deployment', {
      restApiId: this.restApi.id,
      // Redeploy when (and only when) the API's shape changes.
      triggers: { redeployment: Fn.sha1(Fn.jsonencode([...parts.map((p) => (p as unknown as { id: string }).id), model.schema, postIntegration.uri, getIntegration.uri])) },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: parts as never,
    });

    this.stage = new ApiGatewayStage(this, 'stage', {
      restApiId: this.restApi.id,
      deploymentId: deployment.id,
      stageName,
      xrayTracingEnabled: true,
      accessLogSettings: {
        destinationArn: this.accessLogs.arn,
        format: JSON.stringify({
          requestId: '$context.requestId',
          ip: '$context.identity.sourceIp',
          apiKeyId: '$context.identity.apiKeyId',
          method: '$context.httpMethod',
          path: '$context.resourcePath',
          status: '$context.status',
          latencyMs: '$context.responseLatency',
          integrationStatus: '$context.integration.status',
          error: '$context.error.message',
          requestTime: '$context.requestTime',
        }),
      },
      dependsOn: [account, this.accessLogs, this.executionLogs],
    });
    new ApiGatewayMethodSettings(this, 'method-settings', {
      restApiId: this.restApi.id,
      stageName: this.stage.stageName,
      methodPath: '*/*',
      settings: { metricsEnabled: true, loggingLevel: 'ERROR', dataTraceEnabled: false, throttlingRateLimit: throttle.rateLimit, throttlingBurstLimit: throttle.burstLimit },
    });
    this.usagePlan = new ApiGatewayUsagePlan(this, 'usage-plan', {
      name: `${n.restApi()}-default`,
      apiStages: [{ apiId: this.restApi.id, stage: this.stage.stageName }],
      throttleSettings: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
    });
    this.apiKey = new ApiGatewayApiKey(this, 'api-key', { name: `${n.restApi()}-default`, enabled: true });
    new ApiGatewayUsagePlanKey(this, 'usage-plan-key', { keyId: this.apiKey.id, keyType: 'API_KEY', usagePlanId: this.usagePlan.id });

    new TerraformOutput(this, 'url', { value: `${this.stage.invokeUrl}/payments`, description: 'POST payments here (header x-api-key)' });
    // F-12: the id, named as an id; the value is read with `aws apigateway get-api-key --api-key <id> --include-value`.
    new TerraformOutput(this, 'api-key-id', {
      value: this.apiKey.id,
      description: 'Id (not the value) of the default API key: aws apigateway get-api-key --api-key <id> --include-value',
    });
  }
}
