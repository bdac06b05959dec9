import { describe, expect, it } from 'vitest';
import {
  ENTRA_SP_DETAIL_TYPE,
  normalizeEntraServicePrincipalEnvelope,
} from '../../../shared/sources/entra-service-principal.ts';
import { normalizeEvent } from '../../../shared/sources/normalize.ts';
import { detectionOf, fieldPaths, fixture, patch, remove } from './fixtures.ts';

const TENANT = '395979b2-3921-4e47-adf8-f76fc76c27fc';
const SP = 'a3c5e7f9-1b2d-4f6a-8c0e-2d4f6a8c0e1b';
const SECRET_KEY = '9c1e3a5b-7d9f-4b1d-8f3a-5c7e9b1d3f5a';
const withSignIn = () => fixture('entra', 'service-principal-risk-with-signin');

describe('Entra ID Protection service principal risk detection', () => {
  it('maps the detection and its sign-in to a workload subject that used its client secret', () => {
    const detection = detectionOf(normalizeEvent(withSignIn()));
    expect(detection).toMatchObject({
      detectionId: 'entra:5d8f2b6e1a9c4e7f3b0d6a2c8e4f1b7d9a3c5e0f2b4d6a8c1e3f5b7d9a0c2e4f',
      detectedAt: '2026-03-18T04:12:53.000Z',
      severity: 'critical', // an administrator confirmed the compromise
      source: { vendor: 'microsoft', product: 'entra-id-protection', ruleId: 'suspiciousSignins' },
      tenant: { provider: 'entra', tenantId: TENANT },
    });
    expect(detection.subject).toEqual({
      type: 'servicePrincipal',
      id: SP,
      kind: 'workload',
      displayName: 'freight-billing-sync',
    });
    expect(detection.session).toEqual({
      signInId: '6e1c9a47-2f8b-4d3e-a5c0-7b9d1f3e5a82',
      ipAddress: '198.51.100.73',
    });
    expect(detection.signals).toEqual({ longLivedSecretUsed: true });
    expect(detection.evidence).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'entra.servicePrincipalRiskDetection' }),
        { type: 'entra.signIn', ref: '6e1c9a47-2f8b-4d3e-a5c0-7b9d1f3e5a82' },
        {
          type: 'entra.servicePrincipalCredential',
          ref: SECRET_KEY,
          description:
            'clientCredentialType clientSecret (sign-in 6e1c9a47-2f8b-4d3e-a5c0-7b9d1f3e5a82)',
        },
        { type: 'network.sourceIp', ref: '198.51.100.73' },
      ]),
    );
    // The key the detection names is the one the sign-in used: cited once.
    const credentials = detection.evidence?.filter(
      (e) => e.type === 'entra.servicePrincipalCredential',
    );
    expect(credentials).toHaveLength(1);
  });

  it.each([
    ['clientSecret', true],
    ['certificate', true], // a private key valid for the certificate's lifetime (OWASP NHI7)
    ['federatedIdentityCredential', false],
    ['managedIdentity', false],
    ['clientAssertion', undefined], // who signed the assertion is not said
    ['none', undefined],
    [null, undefined],
  ])('judges clientCredentialType %s as longLivedSecretUsed=%s', (type, longLived) => {
    const input = patch(withSignIn(), 'signIn.clientCredentialType', type);
    const detection = detectionOf(normalizeEntraServicePrincipalEnvelope(input));
    expect(detection.signals?.longLivedSecretUsed).toBe(longLived);
    expect(detection.subject.kind).toBe('workload');
  });

  it('cites the federated identity credential a workload signed in with', () => {
    const input = withSignIn();
    patch(input, 'signIn.clientCredentialType', 'federatedIdentityCredential');
    patch(input, 'signIn.servicePrincipalCredentialKeyId', null);
    patch(input, 'signIn.federatedCredentialId', 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9');
    const detection = detectionOf(normalizeEntraServicePrincipalEnvelope(input));
    expect(detection.evidence).toContainEqual(
      expect.objectContaining({
        type: 'entra.servicePrincipalCredential',
        ref: 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9',
      }),
    );
  });

  it('leaves the credential unknown without a sign-in, citing the key the detection names', () => {
    const detection = detectionOf(
      normalizeEvent(fixture('entra', 'service-principal-leaked-credentials')),
    );
    expect(detection.subject).toMatchObject({ type: 'servicePrincipal', id: SP, kind: 'workload' });
    expect(detection.signals).toBeUndefined();
    expect(detection.session).toBeUndefined();
    expect(detection.severity).toBe('high');
    expect(detection.evidence).toContainEqual(
      expect.objectContaining({ type: 'entra.servicePrincipalCredential', ref: SECRET_KEY }),
    );
  });

  it('reads a bare Graph entity with the configured tenant, and an EventBridge event', () => {
    const risk = withSignIn().servicePrincipalRiskDetection;
    const bare = normalizeEvent(risk, { entraTenantId: TENANT });
    expect(detectionOf(bare).subject.id).toBe(SP);

    const event = {
      version: '0',
      id: '2d6f0a1c-8b3e-4c5d-9e7f-1a2b3c4d5e6f',
      'detail-type': ENTRA_SP_DETAIL_TYPE,
      source: 'halvorsen.soar',
      detail: withSignIn(),
    };
    expect(detectionOf(normalizeEvent(event)).signals).toEqual({ longLivedSecretUsed: true });
  });

  it('takes a hidden risk level as medium and says so', () => {
    const input = patch(withSignIn(), 'servicePrincipalRiskDetection.riskState', 'atRisk');
    patch(input, 'servicePrincipalRiskDetection.riskLevel', 'hidden');
    const detection = detectionOf(normalizeEntraServicePrincipalEnvelope(input));
    expect(detection.severity).toBe('medium');
    expect(detection.evidence).toContainEqual(
      expect.objectContaining({ type: 'severity.default', ref: 'medium' }),
    );
  });

  it.each(['none', 'dismissed'])('ignores a detection whose risk state is %s', (state) => {
    const input = patch(withSignIn(), 'servicePrincipalRiskDetection.riskState', state);
    expect(normalizeEntraServicePrincipalEnvelope(input).kind).toBe('ignored');
  });

  it.each([
    ['signIn.id', 'ffffffff-2f8b-4d3e-a5c0-7b9d1f3e5a82', 'signIn.id'],
    [
      'signIn.servicePrincipalId',
      'b0000000-1b2d-4f6a-8c0e-2d4f6a8c0e1b',
      'signIn.servicePrincipalId',
    ],
    ['signIn.signInEventTypes', ['nonInteractiveUser'], 'signIn.signInEventTypes'],
    ['servicePrincipalRiskDetection.requestId', null, 'servicePrincipalRiskDetection.requestId'],
  ])('refuses a sign-in that is not this workload’s (%s)', (path, value, named) => {
    const result = normalizeEntraServicePrincipalEnvelope(patch(withSignIn(), path, value));
    expect(fieldPaths(result)).toEqual([named]);
  });

  it('names the tenant when nothing gives it, and a missing service principal id', () => {
    expect(fieldPaths(normalizeEvent(remove(withSignIn(), 'tenantId')))).toEqual(['tenantId']);
    expect(
      fieldPaths(
        normalizeEvent(remove(withSignIn(), 'servicePrincipalRiskDetection.servicePrincipalId')),
      ),
    ).toEqual(['servicePrincipalRiskDetection.servicePrincipalId']);
  });
});
