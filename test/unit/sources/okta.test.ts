import { describe, expect, it } from 'vitest';
import { normalizeOkta, oktaOrgOf, parseJavaMap } from '../../../shared/sources/okta.ts';
import { detectionOf, fieldPaths, fixture, patch } from './fixtures.ts';

const contextChange = () => fixture('okta', 'session-context-change');

describe('Okta System Log events (EventBridge log streaming)', () => {
  it('maps an ITP session context change to the user, session, new IP and HIGH risk', () => {
    const result = normalizeOkta(contextChange());
    const detection = detectionOf(result);

    expect(detection.detectionId).toBe('okta:a27b2f60-220c-11f1-a51f-77ab6a2046f5');
    expect(result.kind === 'detection' && result.sourceEventId).toBe(
      'a27b2f60-220c-11f1-a51f-77ab6a2046f5',
    );
    expect(detection.detectedAt).toBe('2026-03-17T14:21:48.613Z');
    expect(detection.severity).toBe('high');
    expect(detection.source).toEqual({
      vendor: 'okta',
      product: 'identity-threat-protection',
      ruleId: 'user.session.context.change',
    });
    expect(detection.tenant).toEqual({ provider: 'okta', tenantId: 'halvorsen-freight' });
    expect(detection.subject).toEqual({
      type: 'user',
      id: '00unncgl0k9KaBdRpL3L',
      userPrincipalName: 'maria.keller@halvorsenfreight.example',
      displayName: 'Maria Keller',
    });
    expect(detection.session).toMatchObject({
      sessionId: 'idxJoDXuLleKQSlVT6KkRFgs5',
      ipAddress: '203.0.113.145',
      userAgent: expect.stringMatching(/^Mozilla\/5.0/),
    });
    expect(detection.evidence).toEqual(
      expect.arrayContaining([
        { type: 'network.ipChange', ref: '198.51.100.23 -> 203.0.113.145' },
        expect.objectContaining({
          type: 'okta.risk',
          ref: 'HIGH',
          description: expect.stringMatching(/New ASN/),
        }),
      ]),
    );
  });

  it('leaves device posture unknown when the event has no Okta Verify device', () => {
    expect(detectionOf(normalizeOkta(contextChange())).signals).toBeUndefined();
  });

  it('maps a roaming session with its managed device, high by default', () => {
    const detection = detectionOf(normalizeOkta(fixture('okta', 'detect-client-roaming')));
    expect(detection.severity).toBe('high');
    expect(detection.source.product).toBe('system-log');
    expect(detection.signals).toEqual({ deviceManaged: true });
    expect(detection.session?.deviceId).toBe('guo4a5u7YAHhjXrMK0g4');
    expect(detection.evidence).toContainEqual(
      expect.objectContaining({ type: 'severity.default', ref: 'high' }),
    );
  });

  it('maps a rising user risk with the user from the target', () => {
    const detection = detectionOf(normalizeOkta(fixture('okta', 'user-risk-detect')));
    expect(detection.severity).toBe('high');
    expect(detection.subject.id).toBe('00unncgl0k9KaBdRpL3L');
    expect(detection.session).toBeUndefined();
  });

  it.each([
    ['LOW', 'low'],
    ['MEDIUM', 'medium'],
    ['HIGH', 'high'],
  ])('maps risk level %s to %s', (level, severity) => {
    const event = patch(
      contextChange(),
      'detail.debugContext.debugData.risk',
      `{reasons=New IP, level=${level}}`,
    );
    expect(detectionOf(normalizeOkta(event)).severity).toBe(severity);
  });

  it('ignores a risk that went down, and events that are not threats', () => {
    expect(normalizeOkta(fixture('okta', 'user-risk-detect-decreased'))).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/from HIGH to LOW/),
    });
    expect(normalizeOkta(fixture('okta', 'user-authentication-sso'))).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/user.authentication.sso is not a session or identity threat/),
      sourceEventId: '9f8e7d6c-220b-11f1-a5b4-3c2d1e0f9a8b',
    });
  });

  it('rejects malformed events, naming the fields', () => {
    expect(fieldPaths(normalizeOkta(fixture('okta', 'malformed-missing-uuid'))).sort()).toEqual([
      'detail.published',
      'detail.uuid',
    ]);
    expect(
      fieldPaths(
        normalizeOkta(patch(contextChange(), 'source', 'aws.partner/okta.com/halvorsen-freight')),
      ),
    ).toEqual(['source']);
    const userless = patch(contextChange(), 'detail.target', [{ id: 'idx1', type: 'Session' }]);
    patch(userless, 'detail.actor.type', 'SystemPrincipal');
    expect(fieldPaths(normalizeOkta(userless))).toEqual(['detail.target']);
  });
});

describe('Okta helpers', () => {
  it('parses Java-map debugData whose values contain commas', () => {
    expect(parseJavaMap('{reasons=Anomalous Geo-Distance, New ASN, New IP, level=HIGH}')).toEqual({
      reasons: 'Anomalous Geo-Distance, New ASN, New IP',
      level: 'HIGH',
    });
    expect(
      parseJavaMap('{previousLevel=LOW, level=MEDIUM, detectionName=Session Influenced User Risk}'),
    ).toEqual({
      previousLevel: 'LOW',
      level: 'MEDIUM',
      detectionName: 'Session Influenced User Risk',
    });
    expect(parseJavaMap('{}')).toEqual({});
  });

  it('reads the org from the partner event source', () => {
    expect(oktaOrgOf('aws.partner/okta.com/halvorsen-freight/secopsstream')).toBe(
      'halvorsen-freight',
    );
    expect(oktaOrgOf('aws.partner/other.com/x/y')).toBeUndefined();
  });
});
