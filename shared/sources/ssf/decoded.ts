import * as z from 'zod/mini';
import type { Detection } from '../../domain/detection.ts';
import { parseWith } from '../../domain/validation.ts';
import { rawSha256 } from '../raw.ts';
import { invalid, type NormalizeResult } from '../result.ts';
import { setClaimsSchema } from './claims.ts';
import { setTenantOf, setToDetection } from './events.ts';
import { SET_TYP } from './verify.ts';

/** Who issued a SET, without keys: enough to read a decoded SET, not to trust one. */
export interface SetIssuerIdentity {
  issuer: string;
  provider: Detection['tenant']['provider'];
  tenantId: string;
  vendor: string;
}

const decodedSetSchema = z.object({
  header: z.object({
    alg: z.string(),
    typ: z.string(),
    kid: z.optional(z.string()),
  }),
  payload: setClaimsSchema,
});

/**
 * A SET in decoded form (`{"header", "payload"}`, as the fixtures keep it) for pure uses such as
 * `responder attribute`: its signature cannot be checked, so the detection says
 * `ssf.signature: not-verified` and callers must not contain on it. Pushed SETs go through
 * `createSetPushReceiver`, which verifies.
 */
export function normalizeDecodedSet(
  input: unknown,
  issuers: readonly SetIssuerIdentity[],
): NormalizeResult {
  const sha = rawSha256(input);
  const what = 'decoded Security Event Token';
  const parsed = parseWith(decodedSetSchema, input, what);
  if (!parsed.ok) return { kind: 'invalid', error: parsed.error, rawSha256: sha };
  const { header, payload } = parsed.value;
  if (header.typ.toLowerCase().replace(/^application\//, '') !== SET_TYP) {
    return invalid(what, { path: 'header.typ', message: `must be ${SET_TYP}` }, sha);
  }
  const issuer = issuers.find((i) => i.issuer === payload.iss);
  if (!issuer) {
    return invalid(
      what,
      { path: 'payload.iss', message: `${payload.iss} is not a configured transmitter` },
      sha,
    );
  }
  const tenant = setTenantOf(payload);
  if (tenant !== undefined && tenant !== issuer.tenantId) {
    return invalid(
      what,
      {
        path: 'payload.sub_id.tenant',
        message: `${issuer.issuer} is configured for tenant ${issuer.tenantId}, not ${tenant}`,
      },
      sha,
    );
  }
  return setToDetection(payload, issuer, sha, { verified: false });
}
