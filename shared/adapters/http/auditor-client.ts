import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

type SourceData = string | ArrayBuffer | ArrayBufferView;
interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The auditor API answered with an error; `status` and its message are the API's own. */
export class AuditorApiError extends Error {
  override readonly name = 'AuditorApiError';
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export interface AuditorClientOptions {
  /** The deployed API's base URL, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/v1`... */
  baseUrl: string;
  credentials: AwsCredentials | (() => Promise<AwsCredentials>);
  /** Default: from an `execute-api` host name, else AWS_REGION. */
  region?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** node:crypto as the signer's hash (the SDK's own one is not a dependency here). */
class Sha256 {
  readonly #hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.#hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }

  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

/**
 * The auditor API with the caller's AWS credentials (SigV4 for `execute-api`): the same answers
 * `responder ledger|evidence|report` give locally, from the deployed ledger.
 */
export class AuditorApiClient {
  readonly #base: URL;
  readonly #signer: SignatureV4;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(options: AuditorClientOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    } catch {
      throw new Error(`--api: not a URL: ${options.baseUrl}`);
    }
    if (base.protocol !== 'https:' && !isLoopback(base.hostname)) {
      throw new Error('--api: the auditor API must be https (plain http only on localhost)');
    }
    this.#base = base;
    const region = options.region ?? regionOf(base.hostname);
    if (!region) throw new Error('--api: cannot tell the region: set AWS_REGION');
    this.#signer = new SignatureV4({
      service: 'execute-api',
      region,
      credentials: options.credentials,
      sha256: Sha256,
    });
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** GET `path` (relative to the stage, e.g. `v1/ledger/verify`) and returns the body. */
  async get(path: string, query: Record<string, string | undefined> = {}): Promise<string> {
    const url = new URL(path.replace(/^\/+/, ''), this.#base);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const signed = await this.#signer.sign({
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { host: url.host },
    });
    const response = await this.#fetch(url, {
      method: 'GET',
      headers: signed.headers as Record<string, string>,
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const body = await response.text();
    if (!response.ok) {
      let message = body.slice(0, 500);
      try {
        const parsed = JSON.parse(body) as { message?: unknown; Message?: unknown };
        message = String(parsed.message ?? parsed.Message ?? message);
      } catch {
        // not JSON: keep the text
      }
      throw new AuditorApiError(response.status, `auditor API ${response.status}: ${message}`);
    }
    return body;
  }

  async getJson<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    return JSON.parse(await this.get(path, query)) as T;
  }
}

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

function regionOf(hostname: string): string | undefined {
  return (
    /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(hostname)?.[1] ?? process.env.AWS_REGION
  );
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}
