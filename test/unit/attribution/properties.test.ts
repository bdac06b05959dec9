import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultOwnershipMap } from '../../../shared/config/load-ownership.ts';
import { OWNER_ROLES } from '../../../shared/domain/accountability.ts';
import { attribute } from '../../../shared/domain/attribution.ts';
import { CONTROL_CATALOG } from '../../../shared/domain/controls/catalog.ts';
import {
  type Detection,
  MFA_METHODS,
  parseDetection,
  type Signals,
  SUBJECT_KINDS,
  signalsSchema,
} from '../../../shared/domain/detection.ts';
import {
  type OwnerAssignment,
  type OwnershipMap,
  parseOwnershipMap,
  resolveOwners,
} from '../../../shared/domain/ownership.ts';
import { detectionWith, HALVORSEN_TENANT, OTHER_TENANT } from './detections.ts';

const SIGNAL_NAMES = Object.keys(signalsSchema.shape) as (keyof Signals)[];
const NUMERIC = new Set<string>(['sessionLifetimeHours', 'maxSessionLifetimeHours']);

const hours = fc.oneof(
  fc.integer({ min: 0, max: 10_000 }),
  fc.double({ min: 0, max: 87_840, noNaN: true, noDefaultInfinity: true }),
);

const signalsArb = fc.record(
  Object.fromEntries(
    SIGNAL_NAMES.map((name) => [
      name,
      name === 'mfaMethod'
        ? fc.constantFrom(...MFA_METHODS)
        : NUMERIC.has(name)
          ? hours
          : fc.boolean(),
    ]),
  ),
  { requiredKeys: [] },
) as fc.Arbitrary<Signals>;

const TENANTS = [HALVORSEN_TENANT, OTHER_TENANT, '7e0c0f00-0000-4000-8000-00000000000a']; // the last: a tenant without an ownership override;
const PARTNER_NAMES = ['Fjordline IT Services', 'Unlisted MSP'];
const EVIDENCE_TYPES = ['signIn', 'riskDetection', 'edrAlert', 'auditLog', 'secretAccess', 'other'];

const detectionArb: fc.Arbitrary<Detection> = fc
  .record({
    signals: signalsArb,
    tenantId: fc.constantFrom(...TENANTS),
    partner: fc.option(
      fc.record({
        name: fc.constantFrom(...PARTNER_NAMES),
        relationship: fc.constantFrom('gdap', 'dap', 'msp', 'other' as const),
      }),
      { nil: undefined },
    ),
    refreshTokenAgeHours: fc.option(hours, { nil: undefined }),
    kind: fc.option(fc.constantFrom(...SUBJECT_KINDS), { nil: undefined }),
    evidence: fc.array(
      fc.record({ type: fc.constantFrom(...EVIDENCE_TYPES), ref: fc.string({ maxLength: 40 }) }),
      { maxLength: 5 },
    ),
  })
  .map(({ signals, tenantId, partner, refreshTokenAgeHours, kind, evidence }) =>
    detectionWith(signals, {
      tenant: { provider: 'entra', tenantId, ...(partner ? { partner } : {}) },
      subject: { type: 'user', id: '1b688927-349c-4622-845d-03aefbc01f62', ...(kind && { kind }) },
      ...(refreshTokenAgeHours === undefined ? {} : { session: { refreshTokenAgeHours } }),
      evidence,
    }),
  );

const team = fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim().length > 0);
const assignment = team.map(
  (name): OwnerAssignment => ({ team: name, ticket: { system: 'file' }, escalation: 'oncall' }),
);
const mapArb: fc.Arbitrary<OwnershipMap> = fc
  .record({
    defaults: fc.record({ iam: assignment, endpoint: assignment, application: assignment }),
    partners: fc.dictionary(fc.constantFrom(...PARTNER_NAMES), assignment),
    unknownPartner: assignment,
    tenants: fc.dictionary(
      fc.constantFrom(...TENANTS),
      fc.record({
        owners: fc.record(
          { iam: assignment, endpoint: assignment, application: assignment },
          { requiredKeys: [] },
        ),
        partners: fc.dictionary(fc.constantFrom(...PARTNER_NAMES), assignment),
      }),
    ),
  })
  .map((raw) => {
    const parsed = parseOwnershipMap({ version: 1, ...raw });
    if (!parsed.ok) throw parsed.error;
    return parsed.value;
  });

const hasBothPartner = CONTROL_CATALOG.some(
  (c) => c.ownerRole === 'partner' && c.appliesTo !== 'people',
);
const byId = new Map(CONTROL_CATALOG.map((c) => [c.id, c]));

const anyMap = fc.oneof(fc.constant(defaultOwnershipMap), mapArb);

const failedIds = (detection: Detection, map: OwnershipMap) =>
  attribute(detection, CONTROL_CATALOG, map)
    .findings.filter((f) => f.status === 'failed')
    .map((f) => f.controlId);

function allTeams(map: OwnershipMap): Set<string> {
  const teams = [
    ...Object.values(map.defaults),
    map.unknownPartner,
    ...Object.values(map.partners ?? {}),
    ...Object.values(map.tenants ?? {}).flatMap((t) => [
      ...Object.values(t.owners ?? {}),
      ...Object.values(t.partners ?? {}),
    ]),
  ];
  return new Set(teams.map((t) => t.team));
}

describe('attribution properties', () => {
  it('generates only detections the contract schema accepts', () => {
    fc.assert(
      fc.property(detectionArb, (detection) => {
        expect(parseDetection(detection).ok).toBe(true);
      }),
    );
  });

  it('is deterministic: same input, same report, whatever the key order or copy', () => {
    fc.assert(
      fc.property(detectionArb, anyMap, (detection, map) => {
        const first = attribute(detection, CONTROL_CATALOG, map);
        const reordered: Detection = {
          ...structuredClone(detection),
          signals: Object.fromEntries(Object.entries(detection.signals ?? {}).reverse()),
        };
        expect(attribute(detection, CONTROL_CATALOG, map)).toEqual(first);
        expect(attribute(reordered, CONTROL_CATALOG, structuredClone(map))).toEqual(first);
      }),
    );
  });

  it('never turns a control into failed by removing signals (unknown never fails)', () => {
    fc.assert(
      fc.property(
        detectionArb,
        fc.subarray(SIGNAL_NAMES),
        fc.boolean(),
        anyMap,
        (detection, removed, dropRefreshAge, map) => {
          const signals = { ...detection.signals };
          for (const name of removed) delete signals[name];
          const fewer: Detection = {
            ...detection,
            signals,
            session: dropRefreshAge ? undefined : detection.session,
          };
          const before = new Set(failedIds(detection, map));
          for (const id of failedIds(fewer, map)) expect(before.has(id), id).toBe(true);
        },
      ),
    );
  });

  it('finds nothing failed when every signal is unknown', () => {
    fc.assert(
      fc.property(detectionArb, anyMap, (detection, map) => {
        expect(failedIds({ ...detection, signals: {}, session: undefined }, map)).toEqual([]);
      }),
    );
  });

  it('gives every failed finding exactly one owner role and that role’s team from the map', () => {
    fc.assert(
      fc.property(detectionArb, anyMap, (detection, map) => {
        const owners = resolveOwners(map, detection);
        const teams = allTeams(map);
        for (const finding of attribute(detection, CONTROL_CATALOG, map).findings) {
          if (finding.status !== 'failed') continue;
          expect(OWNER_ROLES).toContain(finding.ownerRole);
          expect(finding.controlId.startsWith(`${finding.ownerRole}.`)).toBe(true);
          const expected =
            finding.ownerRole === 'partner' ? owners.partner?.team : owners[finding.ownerRole].team;
          expect(finding.ownerTeam).toBe(expected);
          expect(teams.has(finding.ownerTeam)).toBe(true);
        }
      }),
    );
  });

  it('adds partner findings exactly when a partner is named, and keeps every tenant control', () => {
    fc.assert(
      fc.property(detectionArb, anyMap, (detection, map) => {
        const { findings } = attribute(detection, CONTROL_CATALOG, map);
        const hasPartner = findings.some((f) => f.ownerRole === 'partner');
        if (detection.tenant.partner === undefined) expect(hasPartner).toBe(false);
        else expect(hasPartner).toBe(detection.subject.kind !== 'workload' || hasBothPartner);
        const kind = detection.subject.kind;
        const judged = (c: (typeof CONTROL_CATALOG)[number]) =>
          kind === undefined ||
          c.appliesTo === 'both' ||
          c.appliesTo === (kind === 'person' ? 'people' : 'workloads');
        const tenantIds = CONTROL_CATALOG.filter((c) => c.ownerRole !== 'partner' && judged(c)).map(
          (c) => c.id,
        );
        expect(findings.filter((f) => f.ownerRole !== 'partner').map((f) => f.controlId)).toEqual(
          tenantIds,
        );
      }),
    );
  });

  it('gives a workload subject no finding from a control for people, and a person none for workloads', () => {
    fc.assert(
      fc.property(detectionArb, anyMap, (detection, map) => {
        const kind = detection.subject.kind;
        for (const f of attribute(detection, CONTROL_CATALOG, map).findings) {
          const appliesTo = byId.get(f.controlId)?.appliesTo;
          if (kind === 'workload') expect(appliesTo, f.controlId).not.toBe('people');
          if (kind === 'person') expect(appliesTo, f.controlId).not.toBe('workloads');
        }
      }),
    );
  });

  it('names at least one unknown signal in every undetermined finding, and only absent ones', () => {
    fc.assert(
      fc.property(detectionArb, (detection) => {
        const present = new Set([
          ...Object.keys(detection.signals ?? {}),
          ...(detection.session?.refreshTokenAgeHours === undefined
            ? []
            : ['session.refreshTokenAgeHours']),
        ]);
        for (const f of attribute(detection, CONTROL_CATALOG, defaultOwnershipMap).findings) {
          if (f.status !== 'undetermined') continue;
          const unknown = /unknown: ([^)]*)\)/.exec(f.reason)?.[1]?.split(', ') ?? [];
          expect(unknown.length, f.reason).toBeGreaterThan(0);
          for (const name of unknown) {
            expect(byId.get(f.controlId)?.signals, f.reason).toContain(name);
            expect(present.has(name), f.reason).toBe(false);
          }
        }
      }),
    );
  });

  it('renders every reason as one finished sentence with no template left over', () => {
    fc.assert(
      fc.property(detectionArb, (detection) => {
        for (const f of attribute(detection, CONTROL_CATALOG, defaultOwnershipMap).findings) {
          expect(f.reason).not.toMatch(/[{}]/);
          expect(f.reason.endsWith('.')).toBe(true);
        }
      }),
    );
  });
});
