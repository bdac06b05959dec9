import { randomUUID } from 'node:crypto';
import {
  eventsDelivered,
  MIN_VERIFICATION_INTERVAL_SECONDS,
  parseStatusRequest,
  parseStreamPatch,
  parseStreamRequest,
  type Stream,
  type StreamRequest,
  streamConfiguration,
  transmitterSuppliedMismatch,
  verificationWait,
} from '../../domain/ssf/stream.ts';
import { subjectKeys } from '../../domain/ssf/subjects.ts';
import {
  DELIVERY_METHODS,
  DELIVERY_POLL,
  SCOPE_MANAGE,
  SCOPE_READ,
  SUPPORTED_EVENT_TYPES,
} from '../../domain/ssf/vocabulary.ts';
import type { Clock } from '../../ports/clock.ts';
import type { SetSigner, StreamStore, TransmitRequests } from '../../ports/ssf.ts';
import { type HttpRequest, type HttpResponse, json } from './types.ts';

/** Who called the management API, as the bearer token says. */
export interface SsfCaller {
  principal: string;
  scopes: readonly string[];
  /**
   * The `aud` of the streams it creates, from operator configuration (SSF makes `aud`
   * transmitter-supplied). Unset: the push endpoint's origin, or the principal for poll.
   */
  audience?: string;
}

export interface SsfApiDeps {
  /** The `iss` of every SET (contract section 9). */
  issuer: string;
  /** Where these routes are served, for the endpoints the configuration names. */
  baseUrl: string;
  streams: StreamStore;
  /** The public signing keys only: the transmitter alone signs (verification events included). */
  keys: Pick<SetSigner, 'jwks'>;
  /** Verification and resumed deliveries go to the transmitter. */
  requests: TransmitRequests;
  clock: Clock;
  defaultSubjects: 'ALL' | 'NONE';
  /** Undefined when the request carries no valid bearer token. */
  authorize(request: HttpRequest): Promise<SsfCaller | undefined>;
  /** Local mode only: push endpoints on http://127.0.0.1 (receiver doubles). */
  allowLoopbackHttp?: boolean;
}

/** The SSF 1.0 transmitter's HTTP surface; `handles` says whether a path is one of its routes. */
const SSF_PATHS = {
  configuration: '/.well-known/ssf-configuration',
  jwks: '/ssf/jwks',
  streams: '/ssf/streams',
  status: '/ssf/status',
  addSubject: '/ssf/subjects/add',
  removeSubject: '/ssf/subjects/remove',
  verify: '/ssf/verify',
  poll: '/ssf/poll/',
} as const;

export function isSsfPath(path: string): boolean {
  return path === SSF_PATHS.configuration || path.startsWith('/ssf/');
}

const MAX_BODY = 64 * 1024;

export function createSsfApi(deps: SsfApiDeps): (request: HttpRequest) => Promise<HttpResponse> {
  const base = deps.baseUrl.replace(/\/+$/, '');
  const configuration = {
    spec_version: '1_0',
    issuer: deps.issuer,
    jwks_uri: `${base}${SSF_PATHS.jwks}`,
    delivery_methods_supported: [...DELIVERY_METHODS],
    configuration_endpoint: `${base}${SSF_PATHS.streams}`,
    status_endpoint: `${base}${SSF_PATHS.status}`,
    add_subject_endpoint: `${base}${SSF_PATHS.addSubject}`,
    remove_subject_endpoint: `${base}${SSF_PATHS.removeSubject}`,
    verification_endpoint: `${base}${SSF_PATHS.verify}`,
    authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }, { spec_urn: 'urn:ietf:rfc:6750' }],
    default_subjects: deps.defaultSubjects,
  };

  return async (request) => {
    const { method, path } = request;
    if (path === SSF_PATHS.configuration && method === 'GET') return json(200, configuration);
    if (path === SSF_PATHS.jwks && method === 'GET') return json(200, await deps.keys.jwks());

    const caller = await deps.authorize(request);
    if (!caller) {
      const response = json(401, {
        error: 'invalid_token',
        description: 'a valid bearer token is required',
      });
      response.headers['www-authenticate'] = 'Bearer error="invalid_token"';
      return response;
    }
    const write = method !== 'GET';
    const needed =
      write && !path.startsWith(SSF_PATHS.poll) ? [SCOPE_MANAGE] : [SCOPE_MANAGE, SCOPE_READ];
    if (!needed.some((scope) => caller.scopes.includes(scope))) {
      return json(403, {
        error: 'insufficient_scope',
        description: `needs scope ${needed.join(' or ')}`,
      });
    }
    let body: Record<string, unknown> = {};
    if (write && method !== 'DELETE') {
      const parsed = parseBody(request.body);
      if (!parsed.ok) return invalid(parsed.description);
      body = parsed.value;
    }
    const own = async (streamId: unknown): Promise<Stream | HttpResponse> => {
      if (typeof streamId !== 'string' || streamId === '') return invalid('stream_id is required');
      const stream = await deps.streams.get(streamId);
      // Another receiver's stream is as absent as a missing one.
      if (!stream || stream.owner !== caller.principal)
        return json(404, { error: 'not_found', description: `no stream ${streamId}` });
      return stream;
    };
    const query = (name: string) => {
      const value = request.query[name];
      return typeof value === 'string' ? value : undefined;
    };

    if (path === SSF_PATHS.streams) {
      if (method === 'POST') {
        const parsed = parseStreamRequest(body);
        if (!parsed.ok) return invalid(parsed.error.message);
        const built = buildStream(randomUUID(), parsed.value, caller, deps, base);
        if (typeof built === 'string') return invalid(built);
        await deps.streams.put(built);
        return json(201, streamConfiguration(built));
      }
      if (method === 'GET') {
        const id = query('stream_id');
        if (id === undefined) {
          const mine = (await deps.streams.list()).filter((s) => s.owner === caller.principal);
          return json(200, mine.map(streamConfiguration));
        }
        const found = await own(id);
        return isResponse(found) ? found : json(200, streamConfiguration(found));
      }
      if (method === 'PATCH' || method === 'PUT') {
        const found = await own(body.stream_id);
        if (isResponse(found)) return found;
        const mismatch = transmitterSuppliedMismatch(body, found);
        if (mismatch)
          return invalid(`${mismatch} is transmitter-supplied and differs from the stream's`);
        let merged: StreamRequest;
        if (method === 'PUT') {
          const parsed = parseStreamRequest(body);
          if (!parsed.ok) return invalid(parsed.error.message);
          merged = parsed.value;
        } else {
          const parsed = parseStreamPatch(body);
          if (!parsed.ok) return invalid(parsed.error.message);
          const { stream_id, ...patch } = parsed.value;
          merged = { ...requestOf(found), ...definedOnly(patch) };
        }
        const built = buildStream(found.stream_id, merged, caller, deps, base);
        if (typeof built === 'string') return invalid(built);
        const updated: Stream = {
          ...built,
          aud: found.aud, // SSF 8.1.1: aud cannot be updated
          status: found.status,
          ...(found.reason ? { reason: found.reason } : {}),
          subjects_added: found.subjects_added,
          subjects_removed: found.subjects_removed,
          created_at: found.created_at,
          ...(found.last_verification_at
            ? { last_verification_at: found.last_verification_at }
            : {}),
        };
        await deps.streams.put(updated);
        return json(200, streamConfiguration(updated));
      }
      if (method === 'DELETE') {
        const found = await own(query('stream_id'));
        if (isResponse(found)) return found;
        await deps.streams.delete(found.stream_id);
        return { status: 204, headers: {}, body: '' };
      }
    }

    if (path === SSF_PATHS.status) {
      if (method === 'GET') {
        const found = await own(query('stream_id'));
        if (isResponse(found)) return found;
        return json(200, statusOf(found));
      }
      if (method === 'POST') {
        const parsed = parseStatusRequest(body);
        if (!parsed.ok) return invalid(parsed.error.message);
        const found = await own(parsed.value.stream_id);
        if (isResponse(found)) return found;
        const { reason, ...rest } = found;
        const updated: Stream = {
          ...rest,
          status: parsed.value.status,
          ...(parsed.value.reason ? { reason: parsed.value.reason } : {}),
        };
        await deps.streams.put(updated);
        if (updated.status === 'enabled' && found.status === 'paused')
          await deps.requests.request({ kind: 'resume', streamId: updated.stream_id });
        if (updated.status === 'disabled') await deps.streams.takeHeld(updated.stream_id); // dropped
        return json(200, statusOf(updated));
      }
    }

    if ((path === SSF_PATHS.addSubject || path === SSF_PATHS.removeSubject) && method === 'POST') {
      const found = await own(body.stream_id);
      if (isResponse(found)) return found;
      const keys = subjectKeys(body.subject);
      if (keys.length === 0)
        return invalid('subject must be an email, iss_sub, opaque or complex subject identifier');
      const adding = path === SSF_PATHS.addSubject;
      const updated: Stream = {
        ...found,
        subjects_added: adding
          ? union(found.subjects_added, keys)
          : without(found.subjects_added, keys),
        subjects_removed: adding
          ? without(found.subjects_removed, keys)
          : union(found.subjects_removed, keys),
      };
      await deps.streams.put(updated);
      return adding ? json(200, {}) : { status: 204, headers: {}, body: '' };
    }

    if (path === SSF_PATHS.verify && method === 'POST') {
      const found = await own(body.stream_id);
      if (isResponse(found)) return found;
      if (body.state !== undefined && (typeof body.state !== 'string' || body.state.length > 256))
        return invalid('state must be a string of at most 256 characters');
      const now = deps.clock.now();
      const wait = verificationWait(found, now);
      if (wait > 0) {
        const response = json(429, {
          error: 'too_many_requests',
          description: `at most one verification every ${found.min_verification_interval ?? MIN_VERIFICATION_INTERVAL_SECONDS} s`,
        });
        response.headers['retry-after'] = String(wait);
        return response;
      }
      await deps.streams.put({ ...found, last_verification_at: now.toISOString() });
      if (found.status !== 'disabled') {
        await deps.requests.request({
          kind: 'verify',
          streamId: found.stream_id,
          ...(typeof body.state === 'string' ? { state: body.state } : {}),
        });
      }
      return { status: 204, headers: {}, body: '' };
    }

    if (path.startsWith(SSF_PATHS.poll) && method === 'POST') {
      const found = await own(decodeURIComponent(path.slice(SSF_PATHS.poll.length)));
      if (isResponse(found)) return found;
      if (found.delivery.method !== DELIVERY_POLL) return invalid('this stream delivers by push');
      const acks = Array.isArray(body.ack)
        ? body.ack.filter((a): a is string => typeof a === 'string')
        : [];
      const errs =
        body.setErrs && typeof body.setErrs === 'object' ? Object.keys(body.setErrs) : [];
      await deps.streams.acknowledge(found.stream_id, [...acks, ...errs]);
      const maxEvents =
        typeof body.maxEvents === 'number'
          ? Math.max(0, Math.min(100, Math.floor(body.maxEvents)))
          : 100;
      const available =
        maxEvents === 0 ? [] : await deps.streams.available(found.stream_id, maxEvents + 1);
      const sets = Object.fromEntries(available.slice(0, maxEvents).map((q) => [q.jti, q.set]));
      return json(200, { sets, moreAvailable: available.length > maxEvents });
    }

    return json(405, {
      error: 'method_not_allowed',
      description: `${method} ${path} is not a transmitter route`,
    });
  };
}

function buildStream(
  id: string,
  request: StreamRequest,
  caller: SsfCaller,
  deps: SsfApiDeps,
  base: string,
): Stream | string {
  let endpoint = request.delivery.endpoint_url;
  if (request.delivery.method === DELIVERY_POLL) {
    endpoint = `${base}${SSF_PATHS.poll}${id}`; // transmitter-supplied (SSF 8.1.1)
  } else {
    if (!endpoint) return 'delivery.endpoint_url is required for push delivery';
    const url = new URL(endpoint);
    const loopback =
      url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !(loopback && deps.allowLoopbackHttp))
      return 'delivery.endpoint_url must be https';
  }
  return {
    stream_id: id,
    iss: deps.issuer,
    aud:
      caller.audience ??
      (request.delivery.method === DELIVERY_POLL ? caller.principal : new URL(endpoint).origin),
    events_supported: [...SUPPORTED_EVENT_TYPES],
    events_requested: request.events_requested,
    events_delivered: eventsDelivered(request.events_requested),
    delivery: {
      method: request.delivery.method,
      endpoint_url: endpoint,
      ...(request.delivery.authorization_header
        ? { authorization_header: request.delivery.authorization_header }
        : {}),
    },
    ...(request.description ? { description: request.description } : {}),
    format: request.format ?? 'complex',
    min_verification_interval: MIN_VERIFICATION_INTERVAL_SECONDS,
    test_stream: request.test_stream ?? false,
    status: 'enabled',
    owner: caller.principal,
    subjects_added: [],
    subjects_removed: [],
    created_at: deps.clock.now().toISOString(),
  };
}

function requestOf(stream: Stream): StreamRequest {
  return {
    events_requested: stream.events_requested,
    delivery: {
      method: stream.delivery.method as StreamRequest['delivery']['method'],
      ...(stream.delivery.method === DELIVERY_POLL
        ? {}
        : { endpoint_url: stream.delivery.endpoint_url }),
      ...(stream.delivery.authorization_header
        ? { authorization_header: stream.delivery.authorization_header }
        : {}),
    },
    ...(stream.description ? { description: stream.description } : {}),
    format: stream.format,
    test_stream: stream.test_stream,
  };
}

function statusOf(stream: Stream) {
  return {
    stream_id: stream.stream_id,
    status: stream.status,
    ...(stream.reason ? { reason: stream.reason } : {}),
  };
}

function parseBody(
  text: string | undefined,
): { ok: true; value: Record<string, unknown> } | { ok: false; description: string } {
  if (!text) return { ok: false, description: 'a JSON body is required' };
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY)
    return { ok: false, description: `body larger than ${MAX_BODY} bytes` };
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value))
      return { ok: false, description: 'body must be a JSON object' };
    return { ok: true, value: value as Record<string, unknown> };
  } catch {
    return { ok: false, description: 'body is not valid JSON' };
  }
}

function invalid(description: string): HttpResponse {
  return json(400, { error: 'invalid_request', description });
}

function isResponse(value: Stream | HttpResponse): value is HttpResponse {
  return !('stream_id' in value);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];
const without = (a: readonly string[], b: readonly string[]) => a.filter((k) => !b.includes(k));
