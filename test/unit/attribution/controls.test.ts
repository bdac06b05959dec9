import { describe, expect, it } from 'vitest';
import { defaultOwnershipMap } from '../../../shared/config/load-ownership.ts';
import type { ControlStatus } from '../../../shared/domain/accountability.ts';
import { attribute } from '../../../shared/domain/attribution.ts';
import { CONTROL_CATALOG } from '../../../shared/domain/controls/catalog.ts';
import type { Detection, Signals } from '../../../shared/domain/detection.ts';
import { detectionWith, PARTNER } from './detections.ts';

type Case = { signals: Signals; session?: Detection['session'] };

/** For every control: one detection that fails it, one that holds it, one that cannot decide. */
const CASES: Record<string, Record<ControlStatus, Case[]>> = {
  'iam.session-lifetime': {
    failed: [{ signals: { sessionLifetimeHours: 2160, maxSessionLifetimeHours: 12 } }],
    held: [
      { signals: { sessionLifetimeHours: 12, maxSessionLifetimeHours: 12 } },
      { signals: { sessionLifetimeHours: 4, maxSessionLifetimeHours: 12 } },
    ],
    undetermined: [
      { signals: { sessionLifetimeHours: 2160 } },
      { signals: { maxSessionLifetimeHours: 12 } },
    ],
  },
  'iam.refresh-token-lifetime': {
    failed: [{ signals: { maxSessionLifetimeHours: 168 }, session: { refreshTokenAgeHours: 997 } }],
    held: [{ signals: { maxSessionLifetimeHours: 168 }, session: { refreshTokenAgeHours: 3 } }],
    undetermined: [
      { signals: {}, session: { refreshTokenAgeHours: 997 } },
      { signals: { maxSessionLifetimeHours: 168, sessionLifetimeHours: 2000 } },
    ],
  },
  'iam.phishing-resistant-mfa': {
    failed: [
      { signals: { mfaMethod: 'push' } },
      { signals: { mfaMethod: 'sms', mfaSatisfied: true } },
      { signals: { mfaSatisfied: false } },
      { signals: { mfaMethod: 'none' } },
    ],
    held: [{ signals: { mfaMethod: 'phishingResistant', mfaSatisfied: true } }],
    undetermined: [{ signals: {} }, { signals: { mfaSatisfied: true } }],
  },
  'iam.conditional-access': {
    failed: [
      { signals: { conditionalAccessApplied: false } },
      // a policy applied (sign-in frequency) but a blocking one ran report-only
      { signals: { conditionalAccessApplied: true, conditionalAccessEnforced: false } },
    ],
    held: [{ signals: { conditionalAccessApplied: true, conditionalAccessEnforced: true } }],
    undetermined: [
      { signals: { mfaSatisfied: true } },
      // applied says nothing about what the policies required
      { signals: { conditionalAccessApplied: true } },
    ],
  },
  'iam.compliant-device-required': {
    failed: [
      { signals: { deviceManaged: false } },
      { signals: { deviceManaged: true, deviceCompliant: false } },
    ],
    held: [{ signals: { deviceManaged: true, deviceCompliant: true } }],
    undetermined: [{ signals: { deviceManaged: true } }, { signals: { deviceCompliant: true } }],
  },
  'iam.token-binding': {
    failed: [{ signals: { tokenBindingEnforced: false } }],
    held: [{ signals: { tokenBindingEnforced: true } }],
    undetermined: [{ signals: { appValidatedSession: true } }],
  },
  'iam.abnormal-token-detection': {
    failed: [{ signals: { abnormalTokenUseDetectedByIdp: false } }],
    held: [{ signals: { abnormalTokenUseDetectedByIdp: true } }],
    undetermined: [{ signals: {} }],
  },
  'iam.privileged-identity-separation': {
    failed: [{ signals: { privilegedSubject: true, separateAdminAccount: false } }],
    held: [
      { signals: { privilegedSubject: true, separateAdminAccount: true } },
      { signals: { privilegedSubject: false } },
    ],
    undetermined: [
      { signals: { privilegedSubject: true } },
      { signals: { separateAdminAccount: false } },
    ],
  },
  'endpoint.device-posture': {
    failed: [{ signals: { deviceManaged: true, deviceCompliant: false } }],
    held: [
      { signals: { deviceManaged: true, deviceCompliant: true } },
      // never a managed device: nothing in the endpoint estate drifted (iam's failure instead)
      { signals: { deviceManaged: false, deviceCompliant: false } },
      { signals: { deviceManaged: false } },
    ],
    undetermined: [{ signals: { deviceCompliant: false } }, { signals: { deviceManaged: true } }],
  },
  'endpoint.infostealer-resistance': {
    failed: [{ signals: { infostealerDetected: true } }],
    held: [{ signals: { infostealerDetected: false } }],
    undetermined: [{ signals: { credentialTheftDetectedByEdr: true } }],
  },
  'endpoint.browser-hardening': {
    failed: [{ signals: { browserSessionPersistence: true } }],
    held: [{ signals: { browserSessionPersistence: false } }],
    undetermined: [{ signals: { infostealerDetected: true } }],
  },
  'endpoint.phishing-protection': {
    failed: [{ signals: { phishingDetected: true } }],
    held: [{ signals: { phishingDetected: false } }],
    undetermined: [{ signals: { mfaMethod: 'push' } }],
  },
  'endpoint.credential-theft-detection': {
    failed: [
      { signals: { credentialTheftDetectedByEdr: false, infostealerDetected: true } },
      { signals: { credentialTheftDetectedByEdr: false, browserSessionPersistence: true } },
    ],
    held: [
      { signals: { credentialTheftDetectedByEdr: true, infostealerDetected: true } },
      {
        signals: {
          credentialTheftDetectedByEdr: false,
          infostealerDetected: false,
          browserSessionPersistence: false,
        },
      },
    ],
    undetermined: [
      { signals: { infostealerDetected: true } },
      { signals: { credentialTheftDetectedByEdr: false, infostealerDetected: false } },
    ],
  },
  'application.session-validation': {
    failed: [{ signals: { appValidatedSession: false } }],
    held: [{ signals: { appValidatedSession: true } }],
    undetermined: [{ signals: { tokenBindingEnforced: true } }],
  },
  'application.legacy-sso': {
    failed: [{ signals: { legacySso: true } }],
    held: [{ signals: { legacySso: false } }],
    undetermined: [{ signals: {} }],
  },
  'application.admin-step-up': {
    failed: [
      { signals: { adminActionPerformed: true, stepUpPerformed: false } },
      { signals: { privilegedSubject: true, stepUpRequired: false } },
    ],
    held: [
      { signals: { stepUpRequired: true, stepUpPerformed: true, adminActionPerformed: true } },
      { signals: { stepUpRequired: true, adminActionPerformed: false } },
      { signals: { privilegedSubject: false, adminActionPerformed: false } },
      { signals: { privilegedSubject: false, adminActionPerformed: true, stepUpPerformed: true } },
    ],
    undetermined: [
      { signals: { adminActionPerformed: true } },
      { signals: { privilegedSubject: true, stepUpRequired: true } },
    ],
  },
  'application.standing-privilege': {
    failed: [{ signals: { standingPrivilege: true, privilegedSubject: true } }],
    held: [{ signals: { standingPrivilege: false } }, { signals: { privilegedSubject: false } }],
    undetermined: [{ signals: { privilegedSubject: true } }],
  },
  'application.shared-admin-sessions': {
    failed: [{ signals: { sharedAdminSession: true } }],
    held: [{ signals: { sharedAdminSession: false } }],
    undetermined: [{ signals: { privilegedSubject: true } }],
  },
  'application.workload-credential-exposure': {
    failed: [{ signals: { nhiCredentialExposedInteractively: true } }],
    held: [{ signals: { nhiCredentialExposedInteractively: false } }],
    undetermined: [{ signals: {} }],
  },
  'application.workload-network-perimeter': {
    failed: [
      { signals: { sessionUsedOutsidePerimeter: true } },
      { signals: { perimeterBindingEnforced: false, sessionUsedOutsidePerimeter: false } },
      // a binding the source says was bypassed did not hold
      { signals: { sessionUsedOutsidePerimeter: true, perimeterBindingEnforced: true } },
    ],
    held: [{ signals: { perimeterBindingEnforced: true, sessionUsedOutsidePerimeter: false } }],
    undetermined: [{ signals: { sessionUsedOutsidePerimeter: false } }, { signals: {} }],
  },
  'iam.workload-short-lived-credentials': {
    failed: [{ signals: { longLivedSecretUsed: true } }],
    held: [{ signals: { longLivedSecretUsed: false } }],
    undetermined: [{ signals: { mfaSatisfied: false } }],
  },
  'iam.workload-session-lifetime': {
    failed: [{ signals: { sessionLifetimeHours: 12, maxSessionLifetimeHours: 1 } }],
    held: [{ signals: { sessionLifetimeHours: 1, maxSessionLifetimeHours: 1 } }],
    undetermined: [{ signals: { sessionLifetimeHours: 12 } }],
  },
  'partner.delegated-trust-boundary': {
    failed: [{ signals: { partnerSessionUsed: true } }],
    held: [{ signals: { partnerSessionUsed: false } }],
    undetermined: [{ signals: { privilegedSubject: true } }],
  },
  'partner.delegated-least-privilege': {
    failed: [{ signals: { partnerSessionUsed: true, standingPrivilege: true } }],
    held: [
      { signals: { partnerSessionUsed: false, standingPrivilege: true } },
      { signals: { partnerSessionUsed: true, standingPrivilege: false } },
    ],
    undetermined: [
      { signals: { partnerSessionUsed: true } },
      { signals: { standingPrivilege: true } },
    ],
  },
  'partner.technician-mfa': {
    failed: [{ signals: { partnerSessionUsed: true, mfaMethod: 'push' } }],
    held: [
      { signals: { partnerSessionUsed: true, mfaMethod: 'phishingResistant' } },
      { signals: { partnerSessionUsed: false, mfaMethod: 'sms' } },
    ],
    undetermined: [{ signals: { partnerSessionUsed: true } }, { signals: { mfaMethod: 'otp' } }],
  },
  'partner.partner-held-workload-credentials': {
    failed: [{ signals: { partnerSessionUsed: true, nhiCredentialExposedInteractively: true } }],
    held: [
      { signals: { partnerSessionUsed: false, nhiCredentialExposedInteractively: true } },
      { signals: { partnerSessionUsed: true, nhiCredentialExposedInteractively: false } },
    ],
    undetermined: [{ signals: { nhiCredentialExposedInteractively: true } }],
  },
};

function statusOf(controlId: string, { signals, session }: Case): ControlStatus | undefined {
  const detection = detectionWith(signals, {
    session,
    tenant: { provider: 'entra', tenantId: 'any-tenant', partner: PARTNER },
  });
  const report = attribute(detection, CONTROL_CATALOG, defaultOwnershipMap);
  return report.findings.find((f) => f.controlId === controlId)?.status;
}

describe('every control, judged from its signals', () => {
  it('has failed, held and undetermined cases for every control in the catalog', () => {
    expect(Object.keys(CASES).sort()).toEqual(CONTROL_CATALOG.map((c) => c.id).sort());
  });

  const rows = Object.entries(CASES).flatMap(([controlId, byStatus]) =>
    (Object.entries(byStatus) as [ControlStatus, Case[]][]).flatMap(([status, cases]) =>
      cases.map(
        (c) => [controlId, status, JSON.stringify({ ...c.signals, ...c.session }), c] as const,
      ),
    ),
  );

  it.each(rows)('%s is %s for %s', (controlId, status, _, c) => {
    expect(statusOf(controlId, c)).toBe(status);
  });
});
