import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Secrets Manager and EventBridge as one HTTP double (AWS JSON 1.1: `X-Amz-Target` names the
 * operation), for a respond bundle pointed at it through AWS_ENDPOINT_URL_SECRETS_MANAGER and
 * AWS_ENDPOINT_URL_EVENTBRIDGE: GetSecretValue answers the configured secrets, PutEvents accepts
 * every entry. Anything else, or an unsigned request, is refused as AWS would.
 */

export interface AwsJsonDouble {
  endpoint: string;
  /** Operations answered, in order (`secretsmanager.GetSecretValue`, `AWSEvents.PutEvents`). */
  operations(): string[];
  close(): Promise<void>;
}

export async function startAwsJsonDouble(options: {
  secrets: Record<string, string>;
  latencyMs: number;
}): Promise<AwsJsonDouble> {
  const operations: string[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const signed = /^AWS4-HMAC-SHA256 Credential=/.test(req.headers.authorization ?? '');
      const answer = (status: number, body: unknown) =>
        setTimeout(() => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify(body));
        }, options.latencyMs);
      if (!signed) return answer(403, { __type: 'MissingAuthenticationTokenException' });
      operations.push(target);
      const input = JSON.parse(raw || '{}') as { SecretId?: string; Entries?: unknown[] };
      if (target === 'secretsmanager.GetSecretValue') {
        const value = input.SecretId ? options.secrets[input.SecretId] : undefined;
        if (value === undefined) {
          return answer(400, { __type: 'ResourceNotFoundException', message: 'no such secret' });
        }
        return answer(200, {
          ARN: input.SecretId,
          Name: input.SecretId,
          SecretString: value,
          VersionId: randomUUID(),
          VersionStages: ['AWSCURRENT'],
        });
      }
      if (target === 'AWSEvents.PutEvents') {
        const entries = (input.Entries ?? []).map(() => ({ EventId: randomUUID() }));
        return answer(200, { FailedEntryCount: 0, Entries: entries });
      }
      return answer(400, { __type: 'UnknownOperationException', message: target });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    operations: () => [...operations],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
