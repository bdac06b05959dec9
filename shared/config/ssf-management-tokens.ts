import { createHash, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import type { SsfCaller } from '../adapters/http/ssf-api.ts';
import type { HttpRequest } from '../adapters/http/types.ts';
import { header } from '../adapters/http/types.ts';
import { SCOPE_MANAGE, SCOPE_READ } from '../domain/ssf/vocabulary.ts';
import { parseWith } from '../domain/validation.ts';
import { loadJsonConfig } from './load-json-config.ts';

const tokensSchema = z.array(
  z.object({
    token: z.string().check(z.minLength(16, 'must be at least 16 characters'), z.maxLength(4096)),
    scopes: z.array(z.enum([SCOPE_MANAGE, SCOPE_READ])).check(z.minLength(1)),
    /** The `aud` of this receiver's streams (SSF: transmitter-supplied). */
    audience: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
  }),
);

/**
 * Local mode's management-API bearer tokens: the JSON file `RESPONDER_SSF_MANAGEMENT_TOKENS`
 * names (contract section 9), each with an optional `audience` for its streams' `aud`. Each token is its own principal (a hash of it, never the token),
 * so a receiver sees and changes only the streams it created.
 */
export function loadSsfManagementTokens(
  path: string,
): (request: HttpRequest) => Promise<SsfCaller | undefined> {
  const tokens = loadJsonConfig(path, 'RESPONDER_SSF_MANAGEMENT_TOKENS', (input) =>
    parseWith(tokensSchema, input, 'SSF management tokens'),
  ).map((entry) => ({
    digest: digest(entry.token),
    scopes: entry.scopes,
    audience: entry.audience,
  }));
  return async (request) => {
    const match = /^Bearer\s+(\S+)$/i.exec(header(request, 'authorization') ?? '');
    if (!match?.[1]) return undefined;
    const presented = digest(match[1]);
    const found = tokens.find((t) => timingSafeEqual(t.digest, presented));
    return found
      ? {
          principal: `token:${found.digest.toString('hex').slice(0, 16)}`,
          scopes: found.scopes,
          ...(found.audience ? { audience: found.audience } : {}),
        }
      : undefined;
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
