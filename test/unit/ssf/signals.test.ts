import { generateKeyPairSync, sign } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { kmsSetSigner } from '../../../shared/adapters/ssf/kms-signer.ts';
import type { Detection } from '../../../shared/domain/detection.ts';
import type { LedgerRecord } from '../../../shared/domain/ledger/record.ts';
import { jtiFor, signalsOf } from '../../../shared/domain/ssf/signals.ts';
import {
  detectionSubjectKeys,
  streamIncludes,
  subjectIdFor,
} from '../../../shared/domain/ssf/subjects.ts';

const detection = {
  detectionId: 'd-1',
  source: { vendor: 'entra', product: 'idp' },
  tenant: { provider: 'entra', tenantId: 't-1' },
  subject: { type: 'user', id: 'u-1', userPrincipalName: 'Maria@Example.com' },
} as unknown as Detection;

const record = (kind: string, status: string | undefined, data: object): LedgerRecord =>
  ({
    incidentId: 'inc-1',
    kind,
    status,
    data,
    recordedAt: '2026-03-17T10:00:00.000Z',
  }) as LedgerRecord;

describe('signals from an incident ledger', () => {
  const received = record('detection.received', undefined, { detection, mode: 'live' });
  it.each([
    [
      'revokeSessions',
      'succeeded',
      'https://schemas.openid.net/secevent/caep/event-type/session-revoked',
    ],
    [
      'disableAccount',
      'succeeded',
      'https://schemas.openid.net/secevent/risc/event-type/account-disabled',
    ],
    [
      'removeCredentials',
      'succeeded',
      'https://schemas.openid.net/secevent/caep/event-type/credential-change',
    ],
    ['isolatePrivilege', 'succeeded', undefined],
    ['revokeSessions', 'failed', undefined],
    ['revokeSessions', 'skipped', undefined],
  ])('%s %s → %s', (action, status, eventType) => {
    const signals = signalsOf([
      received,
      record('containment.action', status, {
        action,
        target: 'u-1',
        startedAt: '2026-03-17T10:00:01.000Z',
        mode: 'live',
      }),
    ]);
    expect(signals.map((s) => s.eventType)).toEqual(eventType ? [eventType] : []);
    if (action === 'revokeSessions' && eventType) {
      expect(signals[0]?.event).toMatchObject({
        event_timestamp: 1773741601,
        initiating_entity: 'policy',
      });
    }
  });

  it('a released disabled account is enabled again, in the containment’s mode', () => {
    const signals = signalsOf([
      received,
      record('containment.action', 'succeeded', {
        action: 'disableAccount',
        target: 'u-1',
        mode: 'simulated',
      }),
      record('restore.action', 'succeeded', {
        action: 'disableAccount',
        target: 'u-1',
        change: { kind: 'accountDisabled', subjectId: 'u-1' },
      }),
    ]);
    expect(signals.at(-1)).toMatchObject({
      eventType: 'https://schemas.openid.net/secevent/risc/event-type/account-enabled',
      mode: 'simulated',
    });
  });

  it('the jti is stable per incident, signal and stream', () => {
    expect(jtiFor({ incidentId: 'i', key: 'k' }, 's1')).toBe(
      jtiFor({ incidentId: 'i', key: 'k' }, 's1'),
    );
    expect(jtiFor({ incidentId: 'i', key: 'k' }, 's1')).not.toBe(
      jtiFor({ incidentId: 'i', key: 'k' }, 's2'),
    );
  });
});

describe('subjects in the format the stream asked for', () => {
  it.each([
    ['email', { format: 'email', email: 'Maria@Example.com' }],
    ['opaque', { format: 'opaque', id: 'u-1' }],
    [
      'iss_sub',
      { format: 'iss_sub', iss: 'https://login.microsoftonline.com/t-1/v2.0', sub: 'u-1' },
    ],
    [
      'complex',
      {
        format: 'complex',
        user: { format: 'email', email: 'Maria@Example.com' },
        tenant: { format: 'opaque', id: 't-1' },
      },
    ],
  ] as const)('%s', (format, expected) => {
    expect(subjectIdFor(detection, format)).toEqual(expected);
  });

  it.each([
    [{ subjects_added: [], subjects_removed: [] }, 'ALL', true],
    [{ subjects_added: [], subjects_removed: ['email:maria@example.com'] }, 'ALL', false],
    [{ subjects_added: [], subjects_removed: [] }, 'NONE', false],
    [{ subjects_added: ['opaque:u-1'], subjects_removed: [] }, 'NONE', true],
  ] as const)('filter %j with default %s includes: %s', (stream, defaults, included) => {
    expect(streamIncludes(stream, detectionSubjectKeys(detection), defaults)).toBe(included);
  });
});

describe('KMS signer', () => {
  it('signs RS256 SETs with KMS and publishes the matching public key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kms = mockClient(KMSClient);
    kms
      .on(GetPublicKeyCommand)
      .resolves({ PublicKey: publicKey.export({ format: 'der', type: 'spki' }) });
    kms.on(SignCommand).callsFake((input: { Message: Uint8Array; SigningAlgorithm: string }) => {
      expect(input.SigningAlgorithm).toBe('RSASSA_PKCS1_V1_5_SHA_256');
      return { Signature: sign('sha256', input.Message, privateKey) };
    });
    const signer = kmsSetSigner(
      new KMSClient({ region: 'eu-west-1' }),
      'arn:aws:kms:eu-west-1:111122223333:key/abc',
    );
    const token = await signer.sign({ iss: 'https://t', aud: 'r', iat: 1, jti: 'j', events: {} });
    const { protectedHeader } = await jwtVerify(
      token,
      createLocalJWKSet((await signer.jwks()) as never),
      { issuer: 'https://t', audience: 'r', typ: 'secevent+jwt' },
    );
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: 'abc' });
    kms.restore();
  });
});
