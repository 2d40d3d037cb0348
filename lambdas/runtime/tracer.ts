/**
 * X-Ray tracing (Powertools Tracer): one instance per function, at module scope, shared by
 * every module of it. Each AWS SDK client goes through `tracer.captureAWSv3Client` where it
 * is created, so a trace shows one subsegment per call (service, operation, retries, error)
 * under the function's segment instead of the Lambda segment alone. Lambda's active tracing
 * and the role's X-Ray actions are set by the function's infrastructure. Outside Lambda
 * (tests, local runs: no AWS_EXECUTION_ENV) the tracer is disabled and hands the client back
 * unchanged.
 *
 * Tracer needs aws-xray-sdk-core at run time; the Lambda runtime does not ship it, so it is
 * bundled into each function like everything else.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';

export const tracer = new Tracer();
