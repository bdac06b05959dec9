import { describe, expect, it } from 'vitest';
import { normalizeNativeDetection, normalizeNativeEvent } from '../../../shared/sources/native.ts';
import { detectionOf, fieldPaths, fixture } from './fixtures.ts';

describe('native detections', () => {
  it('accepts a bare detection unchanged, dropping unknown fields', () => {
    const input = fixture('native', 'stolen-admin-session');
    const result = normalizeNativeDetection(input);
    const detection = detectionOf(result);
    expect(detection.detectionId).toBe('soar-7f3c2a91-maria-keller-aitm');
    expect(detection.signals).toEqual({
      mfaSatisfied: true,
      mfaMethod: 'push',
      tokenBindingEnforced: false,
      phishingDetected: true,
      privilegedSubject: true,
    });
    expect(detection).not.toHaveProperty('unknownExtraField');
    expect(result.kind === 'detection' && result.sourceEventId).toBe(
      'soar-7f3c2a91-maria-keller-aitm',
    );
  });

  it('accepts the detection as the detail of a Session Compromise Detected event', () => {
    const detection = detectionOf(
      normalizeNativeEvent(fixture('native', 'eventbridge-session-compromise')),
    );
    expect(detection).toEqual(
      detectionOf(normalizeNativeDetection(fixture('native', 'stolen-admin-session'))),
    );
  });

  it('refuses a native event from a source the stack does not trust', () => {
    const result = normalizeNativeEvent(fixture('native', 'eventbridge-session-compromise'), [
      'halvorsen.edr',
    ]);
    expect(fieldPaths(result)).toEqual(['source']);
    expect(result.kind === 'invalid' && result.error.message).toMatch(
      /'halvorsen.soar' is not a trusted source/,
    );
    expect(
      normalizeNativeEvent(fixture('native', 'eventbridge-session-compromise'), ['halvorsen.soar'])
        .kind,
    ).toBe('detection');
  });

  it('rejects a malformed detection naming each field, with detail. in front when on the bus', () => {
    expect(
      fieldPaths(
        normalizeNativeDetection(fixture('native', 'malformed-subject-and-severity')),
      ).sort(),
    ).toEqual(['severity', 'subject.id']);
    const event = fixture('native', 'eventbridge-session-compromise');
    (event.detail as Record<string, unknown>).detectedAt = 'now';
    expect(fieldPaths(normalizeNativeEvent(event))).toEqual(['detail.detectedAt']);
  });
});
