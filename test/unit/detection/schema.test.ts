import { describe, expect, it } from 'vitest';
import { parseDetection } from '../../../shared/domain/detection.ts';
import type { InvalidInputError } from '../../../shared/domain/errors.ts';

function valid(): Record<string, unknown> {
  return {
    schemaVersion: '1',
    detectionId: 'det-1',
    detectedAt: '2026-03-17T14:12:05Z',
    severity: 'high',
    source: { vendor: 'Microsoft', product: 'Entra ID Protection' },
    tenant: { provider: 'entra', tenantId: '395979b2-3921-4e47-adf8-f76fc76c27fc' },
    subject: { type: 'user', id: '1b688927-349c-4622-845d-03aefbc01f62' },
    signals: { mfaMethod: 'push' },
    evidence: [{ type: 'signIn', ref: 'abc' }],
  };
}

/** Applies `change` to a fresh valid detection and returns the rejection. */
function rejection(change: (d: Record<string, unknown>) => void): InvalidInputError {
  const input = valid();
  change(input);
  const parsed = parseDetection(input);
  if (parsed.ok) throw new Error('expected the detection to be rejected');
  return parsed.error;
}

const at = (d: Record<string, unknown>, key: string) => d[key] as Record<string, unknown>;

describe('detection schema rejects bad input, naming the field', () => {
  it.each<[string, (d: Record<string, unknown>) => void, string]>([
    [
      'a number where a string is expected',
      (d) => {
        d.detectionId = 42;
      },
      'detectionId',
    ],
    [
      'a string where a boolean is expected',
      (d) => {
        at(d, 'signals').mfaSatisfied = 'yes';
      },
      'signals.mfaSatisfied',
    ],
    [
      'a string where a number is expected',
      (d) => {
        at(d, 'signals').sessionLifetimeHours = '12';
      },
      'signals.sessionLifetimeHours',
    ],
    [
      'a negative lifetime',
      (d) => {
        at(d, 'signals').maxSessionLifetimeHours = -1;
      },
      'signals.maxSessionLifetimeHours',
    ],
    [
      'an object where an array is expected',
      (d) => {
        d.evidence = { type: 'signIn' };
      },
      'evidence',
    ],
    [
      'an unknown severity',
      (d) => {
        d.severity = 'urgent';
      },
      'severity',
    ],
    [
      'an unknown MFA method',
      (d) => {
        at(d, 'signals').mfaMethod = 'carrierPigeon';
      },
      'signals.mfaMethod',
    ],
    [
      'an unknown provider',
      (d) => {
        at(d, 'tenant').provider = 'google';
      },
      'tenant.provider',
    ],
    [
      'an unknown subject type',
      (d) => {
        at(d, 'subject').type = 'robot';
      },
      'subject.type',
    ],
    [
      'an unknown partner relationship',
      (d) => {
        at(d, 'tenant').partner = { name: 'P', relationship: 'friend' };
      },
      'tenant.partner.relationship',
    ],
    [
      'an unsupported schema version',
      (d) => {
        d.schemaVersion = '2';
      },
      'schemaVersion',
    ],
    [
      'a missing detection id',
      (d) => {
        delete d.detectionId;
      },
      'detectionId',
    ],
    [
      'a missing subject id',
      (d) => {
        delete at(d, 'subject').id;
      },
      'subject.id',
    ],
    [
      'a missing tenant',
      (d) => {
        delete d.tenant;
      },
      'tenant',
    ],
    [
      'a missing evidence ref',
      (d) => {
        d.evidence = [{ type: 'signIn' }];
      },
      'evidence[0].ref',
    ],
    [
      'an empty detection id',
      (d) => {
        d.detectionId = '';
      },
      'detectionId',
    ],
    [
      'an oversized detection id',
      (d) => {
        d.detectionId = 'x'.repeat(513);
      },
      'detectionId',
    ],
    [
      'an oversized user agent',
      (d) => {
        d.session = { userAgent: 'x'.repeat(1025) };
      },
      'session.userAgent',
    ],
    [
      'an oversized evidence ref',
      (d) => {
        d.evidence = [{ type: 'signIn', ref: 'x'.repeat(2049) }];
      },
      'evidence[0].ref',
    ],
    [
      'too many evidence items',
      (d) => {
        d.evidence = Array.from({ length: 101 }, () => ({ type: 't', ref: 'r' }));
      },
      'evidence',
    ],
    [
      'a timestamp that is not ISO-8601',
      (d) => {
        d.detectedAt = '17/03/2026 14:12';
      },
      'detectedAt',
    ],
  ])('%s', (_, change, path) => {
    const error = rejection(change);
    expect(error.issues.map((i) => i.path)).toContain(path);
    expect(error.message).toContain(`${path}:`);
  });

  it('names every offending field at once', () => {
    const error = rejection((d) => {
      d.severity = 'urgent';
      at(d, 'subject').id = 7;
    });
    expect(error.issues.map((i) => i.path).sort()).toEqual(['severity', 'subject.id']);
  });

  it('rejects input that is not an object at the root', () => {
    const parsed = parseDetection('not a detection');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toContain('(root)');
  });
});

describe('detection schema accepts what the contract allows', () => {
  it('accepts a minimal detection with every optional part absent', () => {
    const input = valid();
    delete input.signals;
    delete input.evidence;
    expect(parseDetection(input).ok).toBe(true);
  });

  it('ignores unknown fields instead of rejecting them', () => {
    const input = { ...valid(), vendorExtension: { x: 1 } };
    at(input, 'signals').futureSignal = true;
    const parsed = parseDetection(input);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.value).not.toHaveProperty('vendorExtension');
      expect(parsed.value.signals).not.toHaveProperty('futureSignal');
    }
  });

  it('keeps an absent signal absent rather than defaulting it to false', () => {
    const parsed = parseDetection(valid());
    expect(parsed.ok && parsed.value.signals).toEqual({ mfaMethod: 'push' });
  });
});
