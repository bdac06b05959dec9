import type {
  Server as HttpServer,
  IncomingMessage,
  RequestListener,
  ServerResponse,
} from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { FaultQueue } from './fault-queue.ts';

/**
 * The plumbing the simulated Entra tenant and the simulated AWS IAM share: listeners on
 * 127.0.0.1, closing them (releasing any answer still held), the request log, the fixed latency
 * and the injected faults. A subclass only answers requests.
 */

type Listener = HttpServer | HttpsServer;

/** What a crashed handler answers, in the simulated provider's own error format. */
export interface CrashAnswer {
  contentType: string;
  body: string;
}

/** The test-facing controls both simulators expose the same way. */
export interface SimulatorControls<Fault, Entry> {
  readonly faults: {
    inject(rule: Fault): void;
    clear(): void;
    pending(): number;
  };
  /** Every request received, in arrival order. */
  requests(): Entry[];
  clearRequests(): void;
}

export abstract class SimulatorServer<Fault extends { times?: number }, Entry extends object> {
  readonly #faults = new FaultQueue<Fault>();
  readonly #requests: Entry[] = [];
  readonly #timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  readonly #listeners: Listener[] = [];
  #latencyMs: number;

  constructor(latencyMs: number) {
    this.#latencyMs = latencyMs;
  }

  async close(): Promise<void> {
    for (const pending of this.#timers) {
      clearTimeout(pending.timer);
      pending.resolve();
    }
    this.#timers.clear();
    await Promise.all(
      this.#listeners.splice(0).map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  injectFault(rule: Fault): void {
    this.#faults.inject(rule);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  pendingFaults(): number {
    return this.#faults.pending();
  }

  setLatency(ms: number): void {
    this.#latencyMs = ms;
  }

  /** Copies: a caller cannot change the log by changing what it got. */
  requests(): Entry[] {
    return this.#requests.map((entry) => structuredClone(entry));
  }

  clearRequests(): void {
    this.#requests.length = 0;
  }

  controls(): SimulatorControls<Fault, Entry> {
    return {
      faults: {
        inject: (rule) => this.injectFault(rule),
        clear: () => this.clearFaults(),
        pending: () => this.pendingFaults(),
      },
      requests: () => this.requests(),
      clearRequests: () => this.clearRequests(),
    };
  }

  /** Starts a listener on a free port of 127.0.0.1 and answers with `handle`; its base URL. */
  protected async open(
    scheme: 'http' | 'https',
    create: (listener: RequestListener) => Listener,
    handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
    crashed: (error: unknown) => CrashAnswer,
  ): Promise<string> {
    const server = create((req, res) => {
      handle(req, res).catch((error: unknown) => {
        const answer = crashed(error);
        if (!res.headersSent) res.writeHead(500, { 'content-type': answer.contentType });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.#listeners.push(server);
    return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Logs the request (the entry may be completed later), then waits the fixed latency. */
  protected async admit(entry: Entry): Promise<void> {
    this.#requests.push(entry);
    await this.sleep(this.#latencyMs);
  }

  /** The first injected fault that matches, used up once. */
  protected takeFault(matches: (rule: Fault) => boolean): Fault | undefined {
    return this.#faults.take(matches);
  }

  /** A wait that `close()` cuts short, so no held answer outlives the simulator. */
  protected sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const pending = {
        timer: setTimeout(() => {
          this.#timers.delete(pending);
          resolve();
        }, ms),
        resolve,
      };
      this.#timers.add(pending);
    });
  }
}

/** The body as text, or undefined when it exceeds `maxBytes`. */
export async function readRequestBody(
  req: IncomingMessage,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
