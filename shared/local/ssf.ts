import { join } from 'node:path';
import { createSsfApi, type SsfCaller } from '../adapters/http/ssf-api.ts';
import type { HttpRequest, HttpResponse } from '../adapters/http/types.ts';
import { DynamoDbStreamStore } from '../adapters/ssf/dynamodb-stream-store.ts';
import { localSetSigner } from '../adapters/ssf/local-key.ts';
import { HttpSetPusher } from '../adapters/ssf/push.ts';
import { loadSsfManagementTokens } from '../config/ssf-management-tokens.ts';
import { systemClock } from '../ports/clock.ts';
import type { Log } from '../ports/log.ts';
import { handleTransmitRequest } from '../use-cases/ssf-requests.ts';
import { transmitIncidentSignals } from '../use-cases/ssf-transmit.ts';
import { LOCAL_STATE_TABLE, type LocalRuntime } from './runtime.ts';

export interface LocalTransmitter {
  api(request: HttpRequest): Promise<HttpResponse>;
  /** Tells subscribed receivers what respond or release did; never fails the caller. */
  transmit(incidentId: string): Promise<void>;
}

/**
 * `responder serve` as a Shared Signals transmitter: the key in the state folder, streams in
 * the embedded state table, tokens from `RESPONDER_SSF_MANAGEMENT_TOKENS` (without it the
 * management API refuses every call), and `RESPONDER_SSF_ISSUER` or the server's own URL as iss.
 */
export async function startLocalTransmitter(
  runtime: LocalRuntime,
  options: { baseUrl: string; env: NodeJS.ProcessEnv; log: Log; pusher?: HttpSetPusher },
): Promise<LocalTransmitter> {
  const signer = await localSetSigner(join(runtime.stateDir, 'ssf-signing-key.pem'));
  const streams = new DynamoDbStreamStore(runtime.db.client, LOCAL_STATE_TABLE);
  const pusher = options.pusher ?? new HttpSetPusher();
  const tokensPath = options.env.RESPONDER_SSF_MANAGEMENT_TOKENS;
  const authorize: (request: HttpRequest) => Promise<SsfCaller | undefined> = tokensPath
    ? loadSsfManagementTokens(tokensPath)
    : async () => undefined;
  const issuer = options.env.RESPONDER_SSF_ISSUER || options.baseUrl;
  const deps = {
    issuer,
    streams,
    signer,
    pusher,
    ledger: runtime.ledger,
    clock: systemClock,
    defaultSubjects: 'ALL' as const,
  };
  const api = createSsfApi({
    issuer,
    streams,
    keys: signer,
    // The local stand-in for the transmit queue: the same use case, in-process, before answering.
    requests: {
      request: async (request) => {
        await handleTransmitRequest(request, deps);
      },
    },
    clock: systemClock,
    defaultSubjects: 'ALL',
    baseUrl: options.baseUrl,
    authorize,
    allowLoopbackHttp: true,
  });
  return {
    api,
    async transmit(incidentId) {
      try {
        const result = await transmitIncidentSignals(incidentId, deps);
        if (result.failed > 0)
          options.log.warn('shared signals not all delivered', { incidentId, ...result });
      } catch (error) {
        options.log.error('shared signals failed', { incidentId, error: String(error) });
      }
    },
  };
}
