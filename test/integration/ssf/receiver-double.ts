import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An RFC 8935 receiver on 127.0.0.1: records every push, answers from a script (default 202). */
export interface ReceiverDouble {
  url: string;
  received: Array<{
    url: string;
    contentType: string | undefined;
    authorization: string | undefined;
    body: string;
  }>;
  /** Answers for the next pushes, in order; then 202. */
  script: Array<{ status: number; headers?: Record<string, string>; body?: unknown }>;
  close(): Promise<void>;
}

export async function startReceiverDouble(): Promise<ReceiverDouble> {
  const double: Omit<ReceiverDouble, 'url' | 'close'> = { received: [], script: [] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      double.received.push({
        url: req.url ?? '',
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = double.script.shift() ?? { status: 202 };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...double,
    url: `http://127.0.0.1:${port}/events`,
    get received() {
      return double.received;
    },
    get script() {
      return double.script;
    },
    set script(value) {
      double.script = value;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  } as ReceiverDouble;
}
