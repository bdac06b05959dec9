import {
  type AttributionReport,
  type ControlStatus,
  type Finding,
  OWNER_ROLES,
  type OwnerRole,
} from './accountability.ts';
import type { Control } from './controls/catalog.ts';
import { evaluate, type Facts, factsOf } from './controls/conditions.ts';
import type { Detection, SubjectKind } from './detection.ts';
import { type OwnerAssignment, type OwnershipMap, resolveOwners } from './ownership.ts';

/**
 * Attribution: which controls along the trust chain failed, held or cannot be judged for one
 * detection, and who owns each. Pure and deterministic: no I/O, no clock, no randomness.
 *
 * Findings come in owner-role order (iam, endpoint, application, partner), catalog order within
 * a role. Partner controls appear only when the detection names a partner, and then in addition
 * to the tenant's own owners, never instead of them. Likewise a control for people only is left
 * out for a workload subject (and a workload control for a person); an unknown kind judges all.
 */
export function attribute(
  detection: Detection,
  catalog: readonly Control[],
  ownershipMap: OwnershipMap,
): AttributionReport {
  const owners = resolveOwners(ownershipMap, detection);
  const facts = factsOf(detection);
  const findings: Finding[] = [];
  for (const control of catalog) {
    if (!appliesToSubject(control, detection.subject.kind)) continue;
    const owner = ownerFor(owners, control.ownerRole);
    if (owner === undefined) continue; // only the partner role can be absent
    findings.push(judge(control, owner, facts, detection));
  }
  const rank = (role: OwnerRole) => OWNER_ROLES.indexOf(role);
  findings.sort((a, b) => rank(a.ownerRole) - rank(b.ownerRole)); // stable: keeps catalog order
  return { detectionId: detection.detectionId, findings };
}

function appliesToSubject(control: Control, kind: SubjectKind | undefined): boolean {
  if (kind === undefined || control.appliesTo === 'both') return true;
  return control.appliesTo === (kind === 'person' ? 'people' : 'workloads');
}

function ownerFor(
  owners: ReturnType<typeof resolveOwners>,
  role: OwnerRole,
): OwnerAssignment | undefined {
  return role === 'partner' ? owners.partner : owners[role];
}

function judge(
  control: Control,
  owner: OwnerAssignment,
  facts: Facts,
  detection: Detection,
): Finding {
  const status = statusOf(control, facts);
  const known = control.signals.filter((name) => facts[name] !== undefined);
  const unknown = control.signals.filter((name) => facts[name] === undefined);
  const signalEvidence = known.map((name) => `${name}=${String(facts[name])}`);
  const wanted = new Set(control.evidenceTypes.map((type) => type.toLowerCase()));
  const refs = (detection.evidence ?? [])
    .filter((item) => wanted.has(item.type.toLowerCase()))
    .map((item) => `${item.type}:${item.ref}`);
  const reason = control.reasons[status]
    .replaceAll('{signals}', signalEvidence.length > 0 ? signalEvidence.join(', ') : 'no signals')
    .replaceAll('{unknown}', unknown.length > 0 ? unknown.join(', ') : 'none')
    .replaceAll('{partner}', detection.tenant.partner?.name ?? 'the partner');
  return {
    controlId: control.id,
    ownerRole: control.ownerRole,
    ownerTeam: owner.team,
    status,
    question: control.question,
    reason,
    evidence: [...signalEvidence, ...refs],
    frameworks: [...control.frameworks],
  };
}

/** Fail first, then hold; anything the facts cannot decide is undetermined. */
function statusOf(control: Control, facts: Facts): ControlStatus {
  if (evaluate(control.failWhen, facts) === true) return 'failed';
  if (evaluate(control.holdWhen, facts) === true) return 'held';
  return 'undetermined';
}
