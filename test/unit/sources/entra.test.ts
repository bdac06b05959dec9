import { describe, expect, it } from 'vitest';
import {
  mfaMethodOf,
  normalizeEntraEnvelope,
  normalizeEntraEvent,
  normalizeEntraRiskDetection,
} from '../../../shared/sources/entra.ts';
import { detectionOf, fieldPaths, fixture, patch, remove } from './fixtures.ts';

const TENANT = '395979b2-3921-4e47-adf8-f76fc76c27fc';
const withSignIn = () => fixture('entra', 'anomalous-token-with-signin');

describe('Entra ID Protection risk detection with its sign-in', () => {
  it('maps the anomalous-token detection and derives signals from the sign-in', () => {
    const result = normalizeEntraEnvelope(withSignIn());
    const detection = detectionOf(result);

    expect(detection.detectionId).toBe(
      'entra:81c2055e61b784388a66d3768f1aaed8d9302b3d3080a34ed5f9bf96b7fee80f',
    );
    expect(detection.detectedAt).toBe('2026-03-17T16:40:12.119Z');
    expect(detection.severity).toBe('high');
    expect(detection.source).toEqual({
      vendor: 'microsoft',
      product: 'entra-id-protection',
      ruleId: 'anomalousToken',
    });
    expect(detection.tenant).toEqual({ provider: 'entra', tenantId: TENANT }); // from signIn.homeTenantId
    expect(detection.subject).toEqual({
      type: 'user',
      id: '1b688927-349c-4622-845d-03aefbc01f62',
      kind: 'person', // signIn.isInteractive: a factor was presented to Entra
      userPrincipalName: 'maria.keller@halvorsenfreight.example',
      displayName: 'Maria Keller',
    });
    expect(detection.session).toEqual({
      sessionId: '3c173e99-b706-4017-aeaa-c4cee9cb5c63',
      signInId: 'e798bb3e-a470-462a-a5fa-a2cc6f4bf850',
      ipAddress: '203.0.113.145',
      userAgent: expect.stringMatching(/Chrome\/145/),
      clientApp: 'Browser',
    });
    // Push MFA is not phishing-resistant; the device is unmanaged; the session was not bound.
    expect(detection.signals).toEqual({
      mfaSatisfied: true,
      mfaMethod: 'push',
      conditionalAccessApplied: true,
      // CA014 (require a compliant device) ran report-only and would have failed the sign-in
      conditionalAccessEnforced: false,
      tokenBindingEnforced: false,
      deviceManaged: false,
      deviceCompliant: false,
      partnerSessionUsed: false,
    });
    expect(detection.evidence).toEqual(
      expect.arrayContaining([
        { type: 'entra.uniqueTokenIdentifier', ref: '4RmNOL-CjXgx7rXcsdZ-0w' },
        {
          type: 'entra.tokenProtection',
          ref: 'unbound',
          description: 'signInSessionStatusCode 1002',
        },
        expect.objectContaining({
          type: 'entra.conditionalAccessPolicy',
          description: expect.stringMatching(/CA014.*reportOnlyFailure/),
        }),
      ]),
    );
    expect(result.kind === 'detection' && result.sourceEventId).toBe(
      '81c2055e61b784388a66d3768f1aaed8d9302b3d3080a34ed5f9bf96b7fee80f',
    );
  });

  it('leaves every signal unknown without a sign-in, except what the risk type itself says', () => {
    const bare = normalizeEntraRiskDetection(fixture('entra', 'riskdetection-anomalous-token'), {
      entraTenantId: TENANT,
    });
    expect(detectionOf(bare).signals).toBeUndefined();
    expect(detectionOf(bare).session).toEqual({
      signInId: 'e798bb3e-a470-462a-a5fa-a2cc6f4bf850',
      ipAddress: '203.0.113.145',
      userAgent: expect.stringMatching(/Chrome\/145/), // from additionalInfo
    });

    const aitm = detectionOf(normalizeEntraEnvelope(fixture('entra', 'attacker-in-the-middle')));
    expect(aitm.signals).toEqual({ phishingDetected: true });
    expect(aitm.session?.signInId).toBeUndefined();
  });

  it.each([
    [true, 'person'],
    [false, undefined], // a token redeemed by an app: who is behind it is not shown
    [null, undefined],
  ])('says a sign-in with isInteractive %s is a %s session', (interactive, kind) => {
    const detection = detectionOf(
      normalizeEntraEnvelope(patch(withSignIn(), 'signIn.isInteractive', interactive)),
    );
    expect(detection.subject.kind).toBe(kind);
  });

  it('leaves the kind unknown without a sign-in', () => {
    const bare = normalizeEntraRiskDetection(fixture('entra', 'riskdetection-anomalous-token'), {
      entraTenantId: TENANT,
    });
    expect(detectionOf(bare).subject.kind).toBeUndefined();
  });

  it.each([
    ['FIDO2 security key', 'phishingResistant'],
    ['Passkey (device-bound)', 'phishingResistant'],
    ['Windows Hello for Business', 'phishingResistant'],
    ['X.509 Certificate', 'phishingResistant'],
    ['Mobile app notification', 'push'],
    ['Passwordless phone sign-in', 'push'],
    ['OATH verification code', 'otp'],
    ['Text message', 'sms'],
    ['Phone call approval (Authentication phone)', 'voice'],
    ['Previously satisfied', undefined],
  ])('classifies the sign-in method "%s" as %s', (name, method) => {
    expect(mfaMethodOf(name)).toBe(method);
  });

  it('takes a phishing-resistant step over the MFA detail', () => {
    const event = patch(
      withSignIn(),
      'signIn.authenticationDetails.1.authenticationMethod',
      'FIDO2 security key',
    );
    patch(event, 'signIn.mfaDetail', { authMethod: 'FIDO2 security key' });
    expect(detectionOf(normalizeEntraEnvelope(event)).signals).toMatchObject({
      mfaSatisfied: true,
      mfaMethod: 'phishingResistant',
    });
  });

  it('knows MFA was not done for a single-factor sign-in, and that CA did not apply', () => {
    const event = patch(withSignIn(), 'signIn.authenticationDetails', [
      {
        authenticationMethod: 'Password',
        succeeded: true,
        authenticationStepRequirement: 'Primary authentication',
      },
    ]);
    patch(event, 'signIn.authenticationRequirement', 'singleFactorAuthentication');
    patch(event, 'signIn.mfaDetail', null);
    patch(event, 'signIn.conditionalAccessStatus', 'notApplied');
    expect(detectionOf(normalizeEntraEnvelope(event)).signals).toMatchObject({
      mfaSatisfied: false,
      mfaMethod: 'none',
      conditionalAccessApplied: false,
    });
  });

  it('maps a bound session to token binding enforced, and a partner session', () => {
    const event = patch(
      withSignIn(),
      'signIn.tokenProtectionStatusDetails.signInSessionStatus',
      'bound',
    );
    patch(event, 'signIn.signInTokenProtectionStatus', 'bound');
    patch(event, 'signIn.crossTenantAccessType', 'serviceProvider');
    expect(detectionOf(normalizeEntraEnvelope(event)).signals).toMatchObject({
      tokenBindingEnforced: true,
      partnerSessionUsed: true,
    });
  });

  it('maps risk levels, confirmed compromise, and a hidden level with a note', () => {
    const at = (level: string, state = 'atRisk') =>
      detectionOf(
        normalizeEntraEnvelope(
          patch(
            patch(withSignIn(), 'riskDetection.riskLevel', level),
            'riskDetection.riskState',
            state,
          ),
        ),
      );
    expect(at('low').severity).toBe('low');
    expect(at('medium').severity).toBe('medium');
    expect(at('high', 'confirmedCompromised').severity).toBe('critical');
    const hidden = at('hidden');
    expect(hidden.severity).toBe('medium');
    expect(hidden.evidence).toContainEqual(expect.objectContaining({ type: 'severity.default' }));
  });

  it('accepts the envelope as an EventBridge event from a SOAR', () => {
    const viaBus = detectionOf(
      normalizeEntraEvent(fixture('entra', 'eventbridge-anomalous-token')),
    );
    expect(viaBus).toEqual(detectionOf(normalizeEntraEnvelope(withSignIn())));
  });

  it('ignores detections that are no longer at risk', () => {
    expect(normalizeEntraEnvelope(fixture('entra', 'anomalous-token-dismissed'))).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/dismissed/),
    });
  });

  it('rejects a sign-in that is not the one the detection points at', () => {
    expect(
      fieldPaths(normalizeEntraEnvelope(fixture('entra', 'malformed-mismatched-signin'))),
    ).toEqual(['signIn.id']);
    expect(
      fieldPaths(
        normalizeEntraEvent(
          patch(
            fixture('entra', 'eventbridge-anomalous-token'),
            'detail.signIn.userId',
            'someone-else',
          ),
        ),
      ),
    ).toEqual(['detail.signIn.userId']);
  });

  it('rejects a detection whose tenant nothing names', () => {
    const event = remove(withSignIn(), 'signIn.homeTenantId');
    expect(fieldPaths(normalizeEntraEnvelope(event))).toEqual(['tenantId']);
    expect(
      detectionOf(normalizeEntraEnvelope(event, { entraTenantId: TENANT })).tenant.tenantId,
    ).toBe(TENANT);
  });

  it('rejects a malformed detection, naming each field', () => {
    const event = remove(withSignIn(), 'riskDetection.userId');
    patch(event, 'riskDetection.detectedDateTime', 'soon');
    expect(fieldPaths(normalizeEntraEnvelope(event)).sort()).toEqual([
      'riskDetection.detectedDateTime',
      'riskDetection.userId',
    ]);
  });
});
