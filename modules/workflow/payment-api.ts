/**
 * The payments REST API:
 * - IAM authorization (SigV4) on `POST /payments` and `GET /payments/{paymentId}`; the API's
 *   resource policy allows exactly the workload's API clients' principals (manifest
 *   `payments.clients`: role ARNs and account ids) and denies every other principal, so a
 *   request from a principal that is no client is refused (403) before any function runs.
 *   The functions map the authenticated principal to its client (lambdas/runtime/api-clients.ts);
 * - `POST /payments` → submit function (Lambda proxy): request validator with a JSON-schema
 *   model of the body (additionalProperties false, the field patterns, the workload's
 *   currencies and maximum) for every content type (`$default`: API Gateway validates no body
 *   whose content type has no model), and the `Idempotency-Key` header required; the
 *   function answers 415 to anything but `application/json`;
 * - `GET /payments/{paymentId}` → status function;
 * - each client its own API key and usage plan (throttling and metering only: API keys are no
 *   authorization); only the keys' ids are outputs, never their values; a request over its
 *   client's (or the stage's) rate answers 429 with `Retry-After` before any function runs;
 * - no CORS unless the manifest names origins (`api.corsOrigins`): then the functions echo a
 *   named origin, API Gateway's own answers carry it when exactly one is named (a static
 *   header cannot choose), and OPTIONS answers browsers' preflights (a mock, the one method
 *   without authentication, which runs no function); without origins every method needs IAM;
 * - TLS: with `api.domains` naming a custom domain for the region, the API is served there
 *   with the TLS_1_2 security policy and its default execute-api endpoint (which also
 *   accepts TLS 1.0) is disabled;
 * - access logs (JSON, with the calling principal) into a KMS-encrypted log group, X-Ray tracing;
 * - integration timeouts ≤ 29 s and no function behind the API that may run longer (F-17).
 */
import { Construct } from 'constructs';
import { Fn, TerraformOutput } from 'cdktf';
import { ApiGatewayAccount } from '@cdktf/provider-aws/lib/api-gateway-account';
import { ApiGatewayApiKey } from '@cdktf/provider-aws/lib/api-gateway-api-key';
import { ApiGatewayBasePathMapping } from '@cdktf/provider-aws/lib/api-gateway-base-path-mapping';
import { ApiGatewayDeployment } from '@cdktf/provider-aws/lib/api-gateway-deployment';
import { ApiGatewayDomainName } from '@cdktf/provider-aws/lib/api-gateway-domain-name';
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
import { ApiGatewayRestApiPolicy } from '@cdktf/provider-aws/lib/api-gateway-rest-api-policy';
import { ApiGatewayStage } from '@cdktf/provider-aws/lib/api-gateway-stage';
import { ApiGatewayUsagePlan } from '@cdktf/provider-aws/lib/api-gateway-usage-plan';
import { ApiGatewayUsagePlanKey } from '@cdktf/provider-aws/lib/api-gateway-usage-plan-key';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { apiClientsOf, ROLE_ARN_PATTERN, type ApiClient, type AwsRegion, type Workload } from '../../accounts/schema';
import { CARD_TOKEN_PATTERN, CUSTOMER_ID_PATTERN, MAX_DESCRIPTION_LENGTH, MERCHANT_ID_PATTERN } from '../../contract/payment';
import { API_GATEWAY_LOG_WRITES, policyDocument, type PolicyStatement } from '../core/iam-document';
import type { NodeFunction } from './node-function';
import type { WorkloadNaming } from '../core/naming';
import { ServiceRole } from '../access/service-role';
import { Guardrails } from '../guardrails';

/** The custom domain's security policy: TLS 1.2 or better. */
export const API_TLS_POLICY = 'TLS_1_2';

/** Seconds a throttled client is told to wait (`Retry-After` of a 429). */
export const RETRY_AFTER_SECONDS = 1;

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
  /** @default { rateLimit: 50, burstLimit: 100 } — the stage's limits, and each client's where the manifest sets none */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /** @default 365 */
  readonly logRetentionDays?: number;
}

/** The body model: the same rules the validate task enforces (contract/payment.ts). */
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

/** The methods only clients may call, as `METHOD path` under the execution ARN's stage. */
const CLIENT_METHODS = ['POST/payments', 'GET/payments/*'] as const;

/**
 * The API's resource policy: clients' principals may invoke the client methods; every other
 * principal is denied them explicitly (an account's own principals with an IAM policy
 * allowing execute-api would otherwise get in too). Role principals match by
 * `aws:PrincipalArn` (the role, for its sessions), account principals by `aws:PrincipalAccount`.
 */
export function clientResourcePolicy(clients: readonly ApiClient[], executionArn: string, preflights = false): PolicyStatement[] {
  const principals = clients.flatMap((c) => c.principals);
  const roles = principals.filter((p) => ROLE_ARN_PATTERN.test(p));
  const accounts = principals.filter((p) => !ROLE_ARN_PATTERN.test(p));
  const resources = CLIENT_METHODS.map((m) => `${executionArn}/*/${m}`);
  const notAClient: Record<string, Record<string, readonly string[]>> = {};
  if (roles.length > 0) notAClient.StringNotEquals = { 'aws:PrincipalArn': roles };
  if (accounts.length > 0) notAClient.StringNotEquals = { ...notAClient.StringNotEquals, 'aws:PrincipalAccount': accounts };
  return [
    { Sid: 'ApiClients', Effect: 'Allow', Principal: { AWS: [...roles, ...accounts.map((a) => `arn:aws:iam::${a}:root`)] }, Action: 'execute-api:Invoke', Resource: resources },
    { Sid: 'NoOtherPrincipal', Effect: 'Deny', Principal: '*', Action: 'execute-api:Invoke', Resource: resources, Condition: notAClient },
    // A browser's CORS preflight cannot be signed: OPTIONS (a mock that runs no function and
    // answers headers only) is open to anyone, and only when the manifest names origins.
    ...(preflights ? [{ Sid: 'BrowserPreflights', Effect: 'Allow' as const, Principal: '*' as const, Action: 'execute-api:Invoke', Resource: `${executionArn}/*/OPTIONS/*` }] : []),
  ];
}

/**
 * The mapping template of a preflight's answer: the request's `Origin` echoed in
 * `Access-Control-Allow-Origin` when it is one of `origins`, no such header otherwise.
 */
export function preflightTemplate(origins: readonly string[]): string {
  return [
    "#set($origin = $input.params().header.get('Origin'))",
    "#if(\"$!origin\" == '')#set($origin = $input.params().header.get('origin'))#end",
    `#if([${origins.map((o) => JSON.stringify(o)).join(', ')}].contains("$!origin"))`,
    '#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)',
    '#end',
    '{}',
  ].join('\n');
}

export class PaymentApi extends Construct {
  readonly restApi: ApiGatewayRestApi;
  readonly stage: ApiGatewayStage;
  /** Per client (manifest name): its API key and usage plan. */
  readonly apiKeys: ReadonlyMap<string, ApiGatewayApiKey>;
  readonly usagePlans: ReadonlyMap<string, ApiGatewayUsagePlan>;
  readonly accessLogs: CloudwatchLogGroup;
  readonly executionLogs: CloudwatchLogGroup;
  /** The custom domain of this region (manifest `api.domains`), if any. */
  readonly domainName?: ApiGatewayDomainName;

  constructor(scope: Construct, id: string, props: PaymentApiProps) {
    super(scope, id);
    const n = props.naming;
    const settings = props.workload.api;
    const domain = settings.domains[props.region];
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
      // Served on the custom domain only (TLS 1.2+), never on the default endpoint's TLS 1.0.
      disableExecuteApiEndpoint: domain !== undefined,
    });

    const stageName = props.stageName ?? 'v1';
    // Both log groups exist before the stage logs into them, each encrypted and with a retention:
    // the access log, and the execution log that API Gateway would otherwise create itself
    // (unencrypted, kept forever) under a name derived from the API's generated id.
    const retentionInDays = props.logRetentionDays ?? 365;
    this.accessLogs = new CloudwatchLogGroup(this, 'access-logs', { name: n.logGroup('api'), retentionInDays, kmsKeyId: props.logKeyArn });
    this.executionLogs = new CloudwatchLogGroup(this, 'execution-logs', { name: n.apiExecutionLogGroup(this.restApi.id, stageName), retentionInDays, kmsKeyId: props.logKeyArn });

    // API Gateway writes both through an account-level role (one per account and region; one
    // workload per account, so one API per role). When the role is set, API Gateway checks it
    // against what AWS documents for it (AmazonAPIGatewayPushToCloudWatchLogs: these actions on
    // the region's log groups), and the provider gives up after its retries if it refuses the
    // role; so the role gets exactly the documented actions, on this account's log groups of
    // this region only.
    const cloudwatchRole = new ServiceRole(this, 'cloudwatch-role', {
      naming: n,
      roleName: n.role('api', props.region),
      description: `API Gateway logging in ${props.region}`,
      trust: { service: 'apigateway.amazonaws.com' },
      policyName: 'push-logs',
    });
    const regionLogGroups = `arn:aws:logs:${props.region}:${n.accountId}:log-group:*`;
    cloudwatchRole.addToPolicy({ Sid: 'WriteApiLogs', Effect: 'Allow', Action: [...API_GATEWAY_LOG_WRITES], Resource: [regionLogGroups, `${regionLogGroups}:log-stream:*`] });
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
      authorization: 'AWS_IAM',
      apiKeyRequired: true,
      requestValidatorId: validator.id,
      // `$default`: every content type is validated against the model, not only application/json.
      requestModels: { 'application/json': model.name, $default: model.name },
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
      authorization: 'AWS_IAM',
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
    // API Gateway's own answers carry CORS headers only for the one origin the manifest names.
    const [onlyOrigin, ...otherOrigins] = settings.corsOrigins;
    const cors: Record<string, string> =
      onlyOrigin !== undefined && otherOrigins.length === 0
        ? {
            'Access-Control-Allow-Origin': `'${onlyOrigin}'`,
            'Access-Control-Allow-Headers': "'Content-Type,Idempotency-Key,X-Api-Key,Authorization,X-Amz-Date,X-Amz-Security-Token'",
            'Access-Control-Allow-Methods': "'GET,POST,OPTIONS'",
            Vary: "'Origin'",
          }
        : {};
    const gatewayResponses: Construct[] = [];
    // Requests the API refuses before any function runs answer in the function's own shape
    // (`{ status: "REJECTED", reason, message }`), so a client reads one contract for every 400.
    const refused = (reason: string) => ({ 'application/json': `{"status":"REJECTED","reason":"${reason}","message":$context.error.messageString}` });
    // Throttled (the client's usage plan or the stage's limit) and over quota: 429 with the
    // time to wait, so a client backs off before anything is accepted.
    const slowDown = { 'application/json': '{"message":$context.error.messageString}' };
    for (const [type, statusCode, templates, extra] of [
      ['DEFAULT_4XX', undefined, undefined, {}],
      ['DEFAULT_5XX', undefined, undefined, {}],
      ['BAD_REQUEST_BODY', '400', refused('invalid_body'), {}],
      ['BAD_REQUEST_PARAMETERS', '400', refused('invalid_idempotency_key'), {}],
      ['THROTTLED', '429', slowDown, { 'Retry-After': `'${RETRY_AFTER_SECONDS}'` }],
      ['QUOTA_EXCEEDED', '429', slowDown, { 'Retry-After': `'${RETRY_AFTER_SECONDS}'` }],
    ] as const) {
      const headers: Record<string, string> = { ...cors, ...extra };
      gatewayResponses.push(
        // The construct ids keep their first name: a renamed gateway response would be created
        // and the old one deleted, which resets the response type to API Gateway's default.
        new ApiGatewayGatewayResponse(this, `cors-${type.toLowerCase().replace(/_/g, '-')}`, {
          restApiId: this.restApi.id,
          responseType: type,
          statusCode,
          responseTemplates: templates,
          responseParameters: Object.keys(headers).length > 0 ? Object.fromEntries(Object.entries(headers).map(([h, v]) => [`gatewayresponse.header.${h}`, v])) : undefined,
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

    const clients = apiClientsOf(props.workload);
    const preflights = settings.corsOrigins.length > 0;
    const policy = new ApiGatewayRestApiPolicy(this, 'client-policy', { restApiId: this.restApi.id, policy: policyDocument(clientResourcePolicy(clients, this.restApi.executionArn, preflights)) });
    if (preflights) {
      Guardrails.suppress(
        policy,
        'resource-policy-open-principal',
        'statement BrowserPreflights: a CORS preflight cannot be signed, so OPTIONS (a mock that runs no function and answers headers only) is open to any caller, and only when the manifest names browser origins; every other method stays limited to the clients',
      );
    }

    // CORS preflights, only for named origins: a mock (no function runs) that answers the
    // allowed methods and headers, and the origin itself when it is named.
    const preflightParts: Construct[] = [];
    if (preflights) {
      for (const [name, resource] of [
        ['payments', payments],
        ['payment', payment],
      ] as const) {
        const method = new ApiGatewayMethod(this, `options-${name}`, { restApiId: this.restApi.id, resourceId: resource.id, httpMethod: 'OPTIONS', authorization: 'NONE' });
        const integration = new ApiGatewayIntegration(this, `options-${name}-integration`, {
          restApiId: this.restApi.id,
          resourceId: resource.id,
          httpMethod: method.httpMethod,
          type: 'MOCK',
          requestTemplates: { 'application/json': '{"statusCode": 200}' },
        });
        const headers = ['Access-Control-Allow-Origin', 'Access-Control-Allow-Headers', 'Access-Control-Allow-Methods', 'Access-Control-Max-Age', 'Vary'];
        const methodResponse = new ApiGatewayMethodResponse(this, `options-${name}-response`, {
          restApiId: this.restApi.id,
          resourceId: resource.id,
          httpMethod: method.httpMethod,
          statusCode: '200',
          responseParameters: Object.fromEntries(headers.map((h) => [`method.response.header.${h}`, false])),
        });
        const integrationResponse = new ApiGatewayIntegrationResponse(this, `options-${name}-integration-response`, {
          restApiId: this.restApi.id,
          resourceId: resource.id,
          httpMethod: method.httpMethod,
          statusCode: methodResponse.statusCode,
          responseParameters: {
            'method.response.header.Access-Control-Allow-Headers': "'Content-Type,Idempotency-Key,X-Api-Key,Authorization,X-Amz-Date,X-Amz-Security-Token'",
            'method.response.header.Access-Control-Allow-Methods': name === 'payments' ? "'POST,OPTIONS'" : "'GET,OPTIONS'",
            'method.response.header.Access-Control-Max-Age': "'600'",
            'method.response.header.Vary': "'Origin'",
          },
          responseTemplates: { 'application/json': preflightTemplate(settings.corsOrigins) },
          dependsOn: [integration],
        });
        preflightParts.push(method, integration, methodResponse, integrationResponse);
      }
    }

    const parts = [model, validator, post, postIntegration, get, getIntegration, policy, ...gatewayResponses, ...preflightParts];
    const deployment = new ApiGatewayDeployment(this, 'deployment', {
      restApiId: this.restApi.id,
      // Redeploy when (and only when) the API's shape or its resource policy changes (a new policy takes effect on deployment).
      // The default endpoint's switch takes effect only with a new deployment (API Gateway's guide on disabling it).
      triggers: {
        redeployment: Fn.sha1(
          Fn.jsonencode([...parts.map((p) => (p as unknown as { id: string }).id), model.schema, postIntegration.uri, getIntegration.uri, policy.policy, this.restApi.disableExecuteApiEndpoint]),
        ),
      },
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
          principal: '$context.identity.userArn',
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
    const keys = new Map<string, ApiGatewayApiKey>();
    const plans = new Map<string, ApiGatewayUsagePlan>();
    for (const client of clients) {
      const name = n.apiClient(client.name);
      const id = `client-${client.name}`;
      const plan = new ApiGatewayUsagePlan(this, `${id}-usage-plan`, {
        name,
        description: `Throttling and metering of API client ${client.name}`,
        apiStages: [{ apiId: this.restApi.id, stage: this.stage.stageName }],
        throttleSettings: { rateLimit: client.rateLimitPerSecond ?? throttle.rateLimit, burstLimit: client.burst ?? throttle.burstLimit },
      });
      const key = new ApiGatewayApiKey(this, `${id}-api-key`, { name, description: `API key of client ${client.name} (metering, not authorization)`, enabled: true });
      new ApiGatewayUsagePlanKey(this, `${id}-usage-plan-key`, { keyId: key.id, keyType: 'API_KEY', usagePlanId: plan.id });
      // The id, named as an id (never the value); the value is read with `aws apigateway get-api-key --api-key <id> --include-value`.
      new TerraformOutput(this, `${id}-api-key-id`, {
        value: key.id,
        description: `Id (not the value) of the API key of client ${client.name}: aws apigateway get-api-key --api-key <id> --include-value`,
      });
      keys.set(client.name, key);
      plans.set(client.name, plan);
    }
    this.apiKeys = keys;
    this.usagePlans = plans;

    if (domain !== undefined) {
      // TLS_1_2: TLS 1.2 or better, the strongest policy of the pinned provider for a REGIONAL
      // custom domain that needs no endpoint access mode.
      this.domainName = new ApiGatewayDomainName(this, 'domain', {
        domainName: domain.name,
        regionalCertificateArn: domain.certificateArn,
        endpointConfiguration: { types: ['REGIONAL'] },
        securityPolicy: API_TLS_POLICY,
      });
      // The empty base path: the domain's root is this stage (`https://<domain>/payments`).
      new ApiGatewayBasePathMapping(this, 'domain-mapping', { apiId: this.restApi.id, stageName: this.stage.stageName, domainName: this.domainName.domainName });
      new TerraformOutput(this, 'domain-target', {
        value: this.domainName.regionalDomainName,
        description: `DNS: point ${domain.name} (CNAME or alias) at this regional target`,
      });
    }
    new TerraformOutput(this, 'url', {
      value: domain !== undefined ? `https://${domain.name}/payments` : `${this.stage.invokeUrl}/payments`,
      description: "POST payments here, signed with SigV4 (service execute-api) as a client principal, with the client's key in x-api-key",
    });
  }
}
