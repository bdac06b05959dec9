import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { HttpRequest, HttpResponse } from './types.ts';

/** API Gateway (REST, proxy integration) onto the framework-free request the APIs take. */
export function fromApiGateway(event: APIGatewayProxyEvent): HttpRequest {
  const query: Record<string, string | readonly string[] | undefined> = {};
  for (const [key, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    query[key] = values && values.length === 1 ? values[0] : values;
  }
  const body = event.body ?? undefined;
  const caller = event.requestContext?.identity?.userArn ?? undefined;
  return {
    ...(caller ? { caller } : {}),
    method: event.httpMethod,
    path: event.path,
    query,
    headers: event.headers ?? {},
    ...(body !== undefined
      ? { body: event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body }
      : {}),
  };
}

export function toApiGateway(response: HttpResponse): APIGatewayProxyResult {
  return { statusCode: response.status, headers: response.headers, body: response.body };
}

/** The caller's identity as API Gateway's IAM authorizer saw it, for the ledger. */
export function callerOf(event: APIGatewayProxyEvent): string {
  return (
    event.requestContext?.identity?.userArn ?? event.requestContext?.identity?.caller ?? 'unknown'
  );
}
