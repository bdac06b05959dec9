import { describe, expect, it } from 'vitest';
import { createIntakeApi } from '../../../shared/adapters/http/intake-api.ts';
import { InMemoryContainmentWindow } from '../../../shared/adapters/memory/containment-window.ts';
import { InMemoryLedgerStore } from '../../../shared/adapters/memory/ledger-store.ts';
import { defaultContainmentPolicy } from '../../../shared/config/load-policy.ts';
import { parseDetection } from '../../../shared/domain/detection.ts';
import { blastRadiusSource, planContainment } from '../../../shared/domain/guardrails.ts';
import { incidentIdFor } from '../../../shared/domain/incident.ts';
import { systemClock } from '../../../shared/ports/clock.ts';
import { normalizeEvent } from '../../../shared/sources/normalize.ts';

const TENANT = '395979b2-3921-4e47-adf8-f76fc76c27fc';
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

const native = (changes: { tenantId?: string; subjectId?: string; detectionId?: string }) => ({
  schemaVersion: '1',
  detectionId: changes.detectionId ?? 'd-1',
  detectedAt: '2026-03-17T09:42:11Z',
  severity: 'critical',
  source: { vendor: 'Microsoft', product: 'Entra ID Protection' },
  tenant: { provider: 'entra', tenantId: changes.tenantId ?? TENANT },
  subject: { type: 'user', id: changes.subjectId ?? `user-1@halvorsenfreight.example` },
});

/** The tenant id with letter case flipped by the bits of `n`: 44 spellings of one tenant. */
function spelling(n: number): string {
  let bit = 0;
  return [...TENANT]
    .map((c) => (/[a-f]/.test(c) ? ((n >> bit++) & 1 ? c.toUpperCase() : c) : c))
    .join('');
}

describe('the blast radius holds across tenant-id spellings', () => {
  it('contains 10 of 44 detections whose tenant id differs only in letter case', async () => {
    const window = new InMemoryContainmentWindow();
    const policy = defaultContainmentPolicy;
    const at = new Date('2026-03-17T09:42:11Z');
    const incidents = new Set<string>();
    let contained = 0;
    for (let n = 0; n < 44; n++) {
      const parsed = parseDetection(
        native({ tenantId: spelling(n), detectionId: `d-${n}`, subjectId: `u${n}@x.example` }),
      );
      if (!parsed.ok) throw parsed.error;
      const detection = parsed.value;
      expect(detection.tenant.tenantId).toBe(TENANT);
      incidents.add(incidentIdFor(detection));
      const { counts } = await window.claim({
        tenantId: detection.tenant.tenantId,
        source: blastRadiusSource(detection),
        incidentId: incidentIdFor(detection),
        at,
        windowSeconds: policy.blastRadius.windowSeconds,
        maxPerSource: policy.blastRadius.maxContainments,
      });
      if (planContainment(detection, policy, counts).run.length > 0) contained += 1;
    }
    expect(contained).toBe(policy.blastRadius.maxContainments);
    expect(incidents.size).toBe(44);
  });

  it('gives one detection the same incident id in every spelling of its tenant', () => {
    const ids = new Set(
      [0, 1, 7, 43].map((n) => {
        const parsed = parseDetection(native({ tenantId: spelling(n) }));
        if (!parsed.ok) throw parsed.error;
        return incidentIdFor(parsed.value);
      }),
    );
    expect(ids.size).toBe(1);
  });
});

describe('poison values are invalid input, recorded, never retried', () => {
  it.each([
    ['a lone surrogate in subject.id', { subjectId: 'a\ud800@x.example' }, 'subject.id'],
    ['a control character in detectionId', { detectionId: 'd\u0000-1' }, 'detectionId'],
    ['an over-long subject.id', { subjectId: `${'a'.repeat(600)}@x.example` }, 'subject.id'],
    ['a tenant id that is no GUID', { tenantId: 'contoso.example' }, 'tenant.tenantId'],
  ])(
    'refuses %s with 400 naming the field, and writes a rejection record',
    async (_what, changes, field) => {
      const ledger = new InMemoryLedgerStore();
      const delivered: unknown[] = [];
      const api = createIntakeApi({
        deliver: async (result) => {
          delivered.push(result);
          return undefined;
        },
        ledger,
        clock: systemClock,
        log: quiet,
      });
      const response = await api({
        method: 'POST',
        path: '/v1/detections',
        query: {},
        headers: {},
        body: JSON.stringify(native(changes)),
      });
      expect(response.status).toBe(400);
      const body = JSON.parse(response.body) as {
        issues: { path: string }[];
        rejectionRecord: string;
      };
      expect(body.issues.map((i) => i.path)).toContain(field);
      expect(delivered).toEqual([]);
      const records = ledger.all().filter((r) => r.incidentId === body.rejectionRecord);
      expect(records.map((r) => r.kind)).toEqual(['detection.rejected']);
    },
  );

  it('is invalid on the queue path too, so the handler records it instead of throwing', () => {
    const result = normalizeEvent({
      id: 'e-1',
      'detail-type': 'Session Compromise Detected',
      source: 'soar.example',
      detail: native({ subjectId: '\udc00' }),
    });
    expect(result.kind).toBe('invalid');
    if (result.kind === 'invalid') expect(result.error.issues[0]?.path).toBe('detail.subject.id');
  });
});
