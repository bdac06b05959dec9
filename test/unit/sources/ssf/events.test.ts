import { describe, expect, it } from 'vitest';
import { setClaimsSchema } from '../../../../shared/sources/ssf/claims.ts';
import { normalizeDecodedSet } from '../../../../shared/sources/ssf/decoded.ts';
import { setToDetection } from '../../../../shared/sources/ssf/events.ts';
import { detectionOf, fieldPaths, fixture } from '../fixtures.ts';
import { ISSUER, setPayload } from './signing.ts';

const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/';
const RISC = 'https://schemas.openid.net/secevent/risc/event-type/';
const transmitter = { provider: 'okta' as const, tenantId: 'halvorsen-freight', vendor: 'okta' };
const issuers = [{ issuer: ISSUER, ...transmitter }];

/** Maps a SET payload built from the session-revoked fixture with the given event and subject. */
function mapEvent(type: string, body: Record<string, unknown>, subId?: unknown) {
  const payload = setPayload('session-revoked');
  payload.events = { [type]: body };
  if (subId !== undefined) payload.sub_id = subId;
  const claims = setClaimsSchema.parse(payload);
  return setToDetection(claims, transmitter, 'sha', { verified: true });
}

const user = { format: 'iss_sub', iss: ISSUER, sub: '00unncgl0k9KaBdRpL3L' };

describe('CAEP and RISC events as detections', () => {
  it('maps RISC credential-compromise with an email subject to a high detection of that user', () => {
    const result = normalizeDecodedSet(fixture('caep', 'risc-credential-compromise.jwt'), issuers);
    const detection = detectionOf(result);
    expect(detection).toMatchObject({
      severity: 'high',
      detectedAt: '2026-03-17T16:50:00.000Z', // event_timestamp, not iat
      source: { vendor: 'okta', product: 'risc', ruleId: `${RISC}credential-compromise` },
      subject: {
        type: 'user',
        id: 'maria.keller@halvorsenfreight.example',
        userPrincipalName: 'maria.keller@halvorsenfreight.example',
      },
    });
    expect(detection.evidence).toEqual(
      expect.arrayContaining([
        {
          type: 'ssf.reasonAdmin',
          ref: 'Password of maria.keller found in an infostealer log dump',
        },
        { type: 'risc.detail', ref: 'password' },
        { type: 'ssf.txn', ref: '4ccbb442-0b4a-4c79-856e-0c1204fc5748' },
      ]),
    );
  });

  it('says in the evidence that a decoded SET was not verified', () => {
    const detection = detectionOf(
      normalizeDecodedSet(fixture('caep', 'session-revoked.jwt'), issuers),
    );
    expect(detection.evidence).toContainEqual(
      expect.objectContaining({ type: 'ssf.signature', ref: 'not-verified' }),
    );
  });

  it('maps risk-level-change by its current level, and ignores a falling risk or a device principal', () => {
    const rising = detectionOf(
      normalizeDecodedSet(fixture('caep', 'risk-level-change.jwt'), issuers),
    );
    expect(rising.severity).toBe('high');
    expect(rising.subject.id).toBe('00unncgl0k9KaBdRpL3L');
    expect(rising.evidence).toContainEqual({
      type: 'caep.detail',
      ref: 'SESSION_HIJACK_SUSPECTED',
    });

    expect(
      mapEvent(
        `${CAEP}risk-level-change`,
        { principal: 'USER', current_level: 'LOW', previous_level: 'HIGH' },
        user,
      ),
    ).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/went down from HIGH to LOW/),
    });
    expect(
      mapEvent(`${CAEP}risk-level-change`, { principal: 'DEVICE', current_level: 'HIGH' }, user),
    ).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/DEVICE/) });
    expect(
      detectionOf(
        mapEvent(`${CAEP}risk-level-change`, { principal: 'USER', current_level: 'MEDIUM' }, user),
      ).severity,
    ).toBe('medium');
  });

  it('maps device-compliance-change to a known non-compliant device, when the subject has a user', () => {
    const subject = { format: 'complex', user, device: { format: 'opaque', id: 'dev-42' } };
    const detection = detectionOf(
      mapEvent(
        `${CAEP}device-compliance-change`,
        { current_status: 'not-compliant', previous_status: 'compliant' },
        subject,
      ),
    );
    expect(detection.signals).toEqual({ deviceCompliant: false });
    expect(detection.session).toEqual({ deviceId: 'dev-42' });
    expect(
      mapEvent(
        `${CAEP}device-compliance-change`,
        { current_status: 'compliant', previous_status: 'not-compliant' },
        subject,
      ).kind,
    ).toBe('ignored');
    expect(
      normalizeDecodedSet(fixture('caep', 'device-compliance-change-device-only.jwt'), issuers),
    ).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/names no user \(subject complex: device, tenant\)/),
    });
  });

  it.each([
    [`${CAEP}credential-change`, { credential_type: 'password', change_type: 'revoke' }, 'medium'],
    [
      `${CAEP}credential-change`,
      { credential_type: 'fido2-roaming', change_type: 'create' },
      'low',
    ],
    [`${CAEP}token-claims-change`, { claims: { role: 'ro-admin' } }, 'low'],
    [
      `${CAEP}assurance-level-change`,
      {
        namespace: 'NIST-AAL',
        current_level: 'nist-aal1',
        previous_level: 'nist-aal2',
        change_direction: 'decrease',
      },
      'low',
    ],
    [`${RISC}account-disabled`, { reason: 'hijacking' }, 'high'],
    [`${RISC}account-disabled`, { reason: 'bulk-account' }, 'medium'],
    [`${RISC}account-credential-change-required`, {}, 'medium'],
    [`${RISC}sessions-revoked`, {}, 'high'],
  ])('maps %s %j to %s', (type, body, severity) => {
    expect(detectionOf(mapEvent(type, body, user)).severity).toBe(severity);
  });

  it.each([
    `${CAEP}session-established`,
    `${RISC}account-enabled`,
    `${RISC}account-purged`,
    'https://schemas.openid.net/secevent/ssf/event-type/stream-updated',
    'https://vendor.example/event-type/something-else',
  ])('ignores %s with a reason', (type) => {
    expect(mapEvent(type, {}, user)).toMatchObject({
      kind: 'ignored',
      reason: expect.stringContaining(type),
    });
  });

  it('reads opaque, account and aliases subjects, and a pre-SSF RISC subject inside the event', () => {
    expect(
      detectionOf(mapEvent(`${CAEP}session-revoked`, {}, { format: 'opaque', id: 'u-1' })).subject
        .id,
    ).toBe('u-1');
    expect(
      detectionOf(
        mapEvent(
          `${CAEP}session-revoked`,
          {},
          { format: 'account', uri: 'acct:maria@halvorsenfreight.example' },
        ),
      ).subject,
    ).toEqual({
      type: 'user',
      id: 'maria@halvorsenfreight.example',
      userPrincipalName: 'maria@halvorsenfreight.example',
    });
    expect(
      detectionOf(
        mapEvent(
          `${CAEP}session-revoked`,
          {},
          {
            format: 'aliases',
            identifiers: [
              { format: 'phone_number', phone_number: '+12065550100' },
              { format: 'email', email: 'maria@halvorsenfreight.example' },
            ],
          },
        ),
      ).subject.id,
    ).toBe('maria@halvorsenfreight.example');

    const legacy = setPayload('session-revoked');
    delete legacy.sub_id;
    legacy.events = {
      [`${RISC}credential-compromise`]: {
        subject: { format: 'iss_sub', iss: ISSUER, sub: 'legacy-1' },
        credential_type: 'password',
      },
    };
    expect(
      detectionOf(
        setToDetection(setClaimsSchema.parse(legacy), transmitter, 'sha', { verified: true }),
      ).subject.id,
    ).toBe('legacy-1');
  });

  it('ignores subjects that name no account (phone number) or no subject at all', () => {
    expect(
      mapEvent(
        `${CAEP}session-revoked`,
        {},
        { format: 'phone_number', phone_number: '+12065550100' },
      ).kind,
    ).toBe('ignored');
    const none = setPayload('session-revoked');
    delete none.sub_id;
    expect(
      setToDetection(setClaimsSchema.parse(none), transmitter, 'sha', { verified: true }),
    ).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/subject missing/),
    });
  });

  it('refuses decoded SETs that break the profile or come from unknown issuers, naming the field', () => {
    expect(
      fieldPaths(normalizeDecodedSet(fixture('caep', 'malformed-two-events.jwt'), issuers)),
    ).toEqual(['payload.events']);
    expect(fieldPaths(normalizeDecodedSet(fixture('caep', 'session-revoked.jwt'), []))).toEqual([
      'payload.iss',
    ]);
    const typed = fixture('caep', 'session-revoked.jwt');
    (typed.header as Record<string, unknown>).typ = 'JWT';
    expect(fieldPaths(normalizeDecodedSet(typed, issuers))).toEqual(['header.typ']);
    const withSub = fixture('caep', 'session-revoked.jwt');
    (withSub.payload as Record<string, unknown>).sub = 'x';
    expect(fieldPaths(normalizeDecodedSet(withSub, issuers))).toEqual(['payload.sub']);
  });
});
