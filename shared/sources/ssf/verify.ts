import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { Result } from '../../domain/errors.ts';
import { toFieldIssues } from '../../domain/validation.ts';
import type { Clock } from '../../ports/clock.ts';
import { type SetClaims, setClaimsSchema } from './claims.ts';
import { type SetError, setError } from './errors.ts';
import type { SsfTransmitter } from './transmitter.ts';

export const SET_TYP = 'secevent+jwt';
/** Tolerated skew between the transmitter's clock and ours when checking `iat`. */
const CLOCK_TOLERANCE_SECONDS = 60;

export interface VerifiedSet {
  transmitter: SsfTransmitter;
  claims: SetClaims;
}

/**
 * Verifies a compact JWS SET: explicit `typ: secevent+jwt`, an asymmetric algorithm the
 * transmitter is configured for (never `none`), the signature against the transmitter's JWKS,
 * `iss`, `aud`, `iat` within the transmitter's max age, and the SSF profile (one event, `jti`,
 * no `sub`, no `exp`). Failures carry their RFC 8935 error code. A key set that cannot be
 * fetched is our problem, not the sender's: it throws, so the transmitter retries.
 */
export async function verifySet(
  token: string,
  transmitters: readonly SsfTransmitter[],
  clock: Clock,
): Promise<Result<VerifiedSet, SetError>> {
  const parts = token.split('.');
  if (parts.length === 5) {
    return fail('invalid_request', 'encrypted SETs (JWE) are not accepted: send a signed JWS');
  }
  if (parts.length !== 3) return fail('invalid_request', 'body is not a compact JWS');

  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverified: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(token);
    unverified = decodeJwt(token);
  } catch {
    return fail('invalid_request', 'body is not a decodable JWS with a JSON claims set');
  }
  if (!header.alg || header.alg === 'none') {
    return fail(
      'authentication_failed',
      'unsigned SET (alg none): the transmitter is not authenticated',
    );
  }
  if (normalizeTyp(header.typ) !== SET_TYP) {
    return fail('invalid_request', `typ must be ${SET_TYP} (got ${header.typ ?? 'none'})`);
  }
  const transmitter = transmitters.find((t) => t.issuer === unverified.iss);
  if (!transmitter) {
    return fail(
      'invalid_issuer',
      `iss ${String(unverified.iss ?? '(missing)')} is not a configured transmitter`,
    );
  }
  if (!transmitter.algorithms.includes(header.alg)) {
    return fail('invalid_key', `alg ${header.alg} is not accepted from ${transmitter.issuer}`);
  }

  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, transmitter.keys, {
      issuer: transmitter.issuer,
      audience: [...transmitter.audience],
      algorithms: [...transmitter.algorithms],
      typ: SET_TYP,
      currentDate: clock.now(),
      maxTokenAge: transmitter.maxAgeSeconds,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['jti', 'iat'],
    }));
  } catch (error) {
    const mapped = mapJoseError(error, transmitter);
    if (mapped) return { ok: false, error: mapped };
    throw error;
  }

  const claims = setClaimsSchema.safeParse(payload);
  if (!claims.success) {
    const issues = toFieldIssues(claims.error).map((i) => `${i.path || '(root)'}: ${i.message}`);
    return fail('invalid_request', `not an SSF SET: ${issues.join('; ')}`);
  }
  return { ok: true, value: { transmitter, claims: claims.data } };
}

function fail(err: SetError['err'], description: string): { ok: false; error: SetError } {
  return { ok: false, error: setError(err, description) };
}

function normalizeTyp(typ: string | undefined): string | undefined {
  return typ?.toLowerCase().replace(/^application\//, '');
}

/** jose's verdicts in RFC 8935 terms; undefined for faults on our side (JWKS unreachable). */
function mapJoseError(error: unknown, transmitter: SsfTransmitter): SetError | undefined {
  if (error instanceof errors.JWTExpired) {
    return error.claim === 'exp'
      ? setError('invalid_request', 'SSF forbids the exp claim in a SET')
      : setError('invalid_request', `SET issued more than ${transmitter.maxAgeSeconds} s ago`);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') {
      return setError(
        'invalid_audience',
        `aud does not name this receiver (${transmitter.audience.join(', ')})`,
      );
    }
    if (error.claim === 'iss')
      return setError('invalid_issuer', `iss is not ${transmitter.issuer}`);
    return setError('invalid_request', `${error.claim}: ${error.message}`);
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return setError(
      'invalid_key',
      `no key in ${transmitter.issuer}'s JWKS matches the SET's kid/alg`,
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return setError(
      'authentication_failed',
      `signature does not verify with ${transmitter.issuer}'s key: not sent by the transmitter`,
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return setError('invalid_key', `the SET's algorithm is not accepted: ${error.message}`);
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return setError('invalid_request', `malformed SET: ${error.message}`);
  }
  return undefined;
}
