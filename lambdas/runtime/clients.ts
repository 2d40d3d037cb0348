/**
 * AWS SDK clients, created once per cold start (module scope) and shared by every
 * invocation. Endpoints come from the SDK's standard configuration, so local runs point
 * them at dynalite / a local endpoint with `AWS_ENDPOINT_URL_<SERVICE>` and no code change.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './tracer';

let doc: DynamoDBDocumentClient | undefined;

export function documentClient(): DynamoDBDocumentClient {
  doc ??= DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), { marshallOptions: { removeUndefinedValues: true } });
  return doc;
}
