import type { OwnerRole, Question } from '../accountability.ts';
import {
  all,
  any,
  type Condition,
  exceeds,
  type FactName,
  isFalse,
  isTrue,
  mfaMethodIn,
  within,
} from './conditions.ts';
import type { FrameworkReference } from './frameworks.ts';

/**
 * The control catalog: every control along the trust chain that a stolen session can expose,
 * who owns it, and the rule that judges it from a detection's signals.
 *
 * How a control is judged (shared/domain/attribution.ts):
 *   `failWhen` is TRUE  -> failed
 *   else `holdWhen` TRUE -> held
 *   otherwise            -> undetermined
 * Rules use Kleene logic (./conditions.ts): an absent signal is unknown, and unknown never fails.
 *
 * Reason templates are one sentence each; `{signals}` becomes the known signals the rule reads
 * (`name=value, ...`), `{unknown}` the ones the detection did not carry, `{partner}` the partner.
 * `evidenceTypes` picks which of the detection's evidence refs (by `type`) each finding cites.
 *
 * Owner assignments follow the contract's owner table. Judgement calls, stated once:
 * - standing privilege and shared admin sessions are `application` (role assignment and
 *   authorization design); privileged identity separation is `iam`;
 * - device signals describe the device the session was issued to: an unmanaged or non-compliant
 *   one fails `iam` (the IdP issued it a session); a managed one out of compliance also fails
 *   `endpoint`; an unmanaged one (an AiTM proxy, say) says nothing about the endpoint team,
 *   so `endpoint.device-posture` holds for it: no managed device was let drift;
 * - MFA, conditional access, device, browser, phishing, step-up and SSO controls apply to people
 *   only, so no ticket ever asks for MFA on a machine role; workload controls (`non-human`,
 *   OWASP NHI) apply to workloads only. A data-perimeter binding is `application` (authorization
 *   design, tenant boundaries); a workload's credential type and session lifetime are `iam`
 *   (token issuance and lifetime).
 */
export interface Control {
  /** Stable: `<ownerRole>.<name>`. Tickets and the ledger key on it; never rename. */
  readonly id: string;
  readonly ownerRole: OwnerRole;
  /**
   * Which subjects the control is judged for. It is left out (no finding at all) when the
   * detection says the subject is of the other kind; an unknown kind judges every control.
   */
  readonly appliesTo: AppliesTo;
  readonly question: Question;
  readonly title: string;
  /** The facts the rule reads; kept equal to those in `failWhen`/`holdWhen` by a test. */
  readonly signals: readonly FactName[];
  readonly failWhen: Condition;
  readonly holdWhen: Condition;
  readonly reasons: {
    readonly failed: string;
    readonly held: string;
    readonly undetermined: string;
  };
  /** One sentence telling the owner what to change. */
  readonly guidance: string;
  readonly frameworks: readonly FrameworkReference[];
  readonly evidenceTypes: readonly string[];
}

type AppliesTo = 'people' | 'workloads' | 'both';

/** Ties the id prefix to the owner role at compile time. */
function control<R extends OwnerRole>(
  definition: Control & { id: `${NoInfer<R>}.${string}`; ownerRole: R },
): Control {
  return definition;
}

const SIGN_IN = ['signIn', 'riskDetection', 'conditionalAccess'] as const;
const ENDPOINT = ['edrAlert', 'device', 'malware'] as const;
const ADMIN = ['auditLog', 'roleAssignment'] as const;
const APP = ['appLog', 'auditLog'] as const;
const PARTNER = ['partnerRelationship', 'auditLog', 'signIn'] as const;
const WORKLOAD = ['secretAccess', 'auditLog', 'cloudTrail'] as const;
/** The source findings and facts a workload control cites (normalizer evidence types). */
const WORKLOAD_USE = [
  'aws.guardduty.finding',
  'aws.securityhub.finding',
  'aws.remoteAccount',
  'network.sourceIp',
  'aws.ec2.instance',
  'entra.servicePrincipalRiskDetection',
  'cloudTrail',
] as const;
const WORKLOAD_CREDENTIAL = [
  'aws.accessKeyId',
  'aws.iam.role',
  'aws.iam.oidcProvider',
  'entra.servicePrincipalCredential',
  'entra.servicePrincipalRiskDetection',
  'cloudTrail',
] as const;

export const CONTROL_CATALOG: readonly Control[] = [
  // ── iam: session policy, token issuance and lifetime, MFA, conditional access, binding ──
  control({
    id: 'iam.session-lifetime',
    ownerRole: 'iam',
    appliesTo: 'people',
    question: 'session-validity',
    title: 'Session lifetime within policy',
    signals: ['sessionLifetimeHours', 'maxSessionLifetimeHours'],
    failWhen: exceeds('sessionLifetimeHours', 'maxSessionLifetimeHours'),
    holdWhen: within('sessionLifetimeHours', 'maxSessionLifetimeHours'),
    reasons: {
      failed: 'The session lifetime in force exceeded the organisation limit ({signals}).',
      held: 'The session lifetime in force was within the organisation limit ({signals}).',
      undetermined:
        'Session lifetime against policy cannot be judged (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Set sign-in frequency and session lifetime policies to the organisation limit, shorter for privileged roles.',
    frameworks: ['NIST CSF 2.0 PR.AA-03', 'NIST SP 800-53 AC-12', 'NIST SP 800-207 tenet 3'],
    evidenceTypes: SIGN_IN,
  }),
  control({
    id: 'iam.refresh-token-lifetime',
    ownerRole: 'iam',
    appliesTo: 'people',
    question: 'session-validity',
    title: 'No long-lived refresh tokens',
    signals: ['session.refreshTokenAgeHours', 'maxSessionLifetimeHours'],
    failWhen: exceeds('session.refreshTokenAgeHours', 'maxSessionLifetimeHours'),
    holdWhen: within('session.refreshTokenAgeHours', 'maxSessionLifetimeHours'),
    reasons: {
      failed:
        'A refresh token older than the session limit was still accepted, so a stolen browser context stayed reusable across services ({signals}).',
      held: 'The stolen refresh token was younger than the session limit ({signals}).',
      undetermined:
        'Refresh token age against policy cannot be judged (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Cap refresh token and persistent browser session lifetime at the policy limit and require reauthentication beyond it.',
    frameworks: ['NIST CSF 2.0 PR.AA-04', 'NIST SP 800-53 AC-12', 'NIST SP 800-207 tenet 3'],
    evidenceTypes: SIGN_IN,
  }),
  control({
    id: 'iam.phishing-resistant-mfa',
    ownerRole: 'iam',
    appliesTo: 'people',
    question: 'session-validity',
    title: 'Phishing-resistant MFA',
    signals: ['mfaSatisfied', 'mfaMethod'],
    failWhen: any(isFalse('mfaSatisfied'), mfaMethodIn('push', 'otp', 'sms', 'voice', 'none')),
    holdWhen: mfaMethodIn('phishingResistant'),
    reasons: {
      failed: 'The session was issued without phishing-resistant MFA ({signals}).',
      held: 'The session was issued with phishing-resistant MFA ({signals}).',
      undetermined:
        'The strength of the MFA behind the session is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Require phishing-resistant authentication (FIDO2 security keys, passkeys, Windows Hello for Business or certificates) through an authentication strength policy.',
    frameworks: ['NIST CSF 2.0 PR.AA-03', 'NIST SP 800-53 IA-2', 'NIST SP 800-207 tenet 6'],
    evidenceTypes: SIGN_IN,
  }),
  control({
    id: 'iam.conditional-access',
    ownerRole: 'iam',
    appliesTo: 'people',
    question: 'session-validity',
    title: 'Conditional access enforced on the sign-in',
    signals: ['conditionalAccessApplied', 'conditionalAccessEnforced'],
    // Applied is not enforced: a session-lifetime policy applying, or a blocking policy running
    // report-only, let a risky sign-in through all the same.
    failWhen: any(isFalse('conditionalAccessApplied'), isFalse('conditionalAccessEnforced')),
    holdWhen: isTrue('conditionalAccessEnforced'),
    reasons: {
      failed:
        'Conditional access did not enforce a requirement on the sign-in behind the session: no policy applied, a blocking policy ran report-only, or the sign-in ended single-factor under an exclusion ({signals}).',
      held: 'Conditional access enforced its requirements on the sign-in behind the session ({signals}).',
      undetermined:
        'Whether conditional access enforced a requirement on the sign-in is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Cover every user, application and client type with enforced conditional access policies, switch on the report-only policies that would have blocked, and remove the exclusions that let this sign-in through.',
    frameworks: ['NIST CSF 2.0 PR.AA-03', 'NIST SP 800-207 tenet 4', 'NIST SP 800-207 tenet 6'],
    evidenceTypes: [...SIGN_IN, 'entra.conditionalAccessPolicy', 'entra.signIn'],
  }),
  control({
    id: 'iam.compliant-device-required',
    ownerRole: 'iam',
    appliesTo: 'people',
    question: 'session-validity',
    title: 'Sessions only for managed, compliant devices',
    signals: ['deviceManaged', 'deviceCompliant'],
    failWhen: any(isFalse('deviceManaged'), isFalse('deviceCompliant')),
    holdWhen: all(isTrue('deviceManaged'), isTrue('deviceCompliant')),
    reasons: {
      failed:
        'The identity provider issued the session to an unmanaged or non-compliant device ({signals}).',
      held: 'The session was issued only to a managed, compliant device ({signals}).',
      undetermined:
        'The state of the device the session was issued to is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Require a compliant or hybrid-joined device in conditional access for corporate resources, starting with privileged roles.',
    frameworks: ['NIST CSF 2.0 PR.AA-03', 'NIST SP 800-207 tenet 4', 'NIST SP 800-207 tenet 5'],
    evidenceTypes: SIGN_IN,
  }),
  control({
    id: 'iam.token-binding',
    ownerRole: 'iam',
    appliesTo: 'people',
    question: 'session-validity',
    title: 'Tokens bound to the device they were issued to',
    signals: ['tokenBindingEnforced'],
    failWhen: isFalse('tokenBindingEnforced'),
    holdWhen: isTrue('tokenBindingEnforced'),
    reasons: {
      failed:
        'The session token was not bound to its device, so it could be replayed elsewhere ({signals}).',
      held: 'The session token was bound to its device, so a replay elsewhere is rejected ({signals}).',
      undetermined:
        'Whether the token was device-bound is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Enforce token protection (proof-of-possession, device-bound sign-in sessions) for the applications that support it.',
    frameworks: ['NIST CSF 2.0 PR.AA-04', 'NIST SP 800-53 SC-23', 'NIST SP 800-207 tenet 6'],
    evidenceTypes: SIGN_IN,
  }),
  control({
    id: 'iam.abnormal-token-detection',
    ownerRole: 'iam',
    appliesTo: 'both',
    question: 'session-validity',
    title: 'Abnormal token use detected by the identity provider',
    signals: ['abnormalTokenUseDetectedByIdp'],
    failWhen: isFalse('abnormalTokenUseDetectedByIdp'),
    holdWhen: isTrue('abnormalTokenUseDetectedByIdp'),
    reasons: {
      failed:
        "The identity provider's own risk detection did not flag the abnormal token use ({signals}).",
      held: "The identity provider's own risk detection flagged the abnormal token use ({signals}).",
      undetermined:
        'Whether the identity provider flagged the token use is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Enable token anomaly and session risk detections in the identity provider and act on them with risk-based conditional access.',
    frameworks: [
      'NIST CSF 2.0 DE.CM-03',
      'NIST SP 800-53 AC-2(12)',
      'NIST SP 800-53 SI-4',
      'NIST SP 800-207 tenet 7',
    ],
    evidenceTypes: SIGN_IN,
  }),
  control({
    id: 'iam.privileged-identity-separation',
    ownerRole: 'iam',
    appliesTo: 'people',
    question: 'tenant-admin',
    title: 'Privileged roles on separate admin identities',
    signals: ['privilegedSubject', 'separateAdminAccount'],
    failWhen: all(isTrue('privilegedSubject'), isFalse('separateAdminAccount')),
    holdWhen: any(isFalse('privilegedSubject'), isTrue('separateAdminAccount')),
    reasons: {
      failed: 'Privileged roles sat on the everyday identity whose session was stolen ({signals}).',
      held: 'The stolen session did not carry privileged roles of an everyday identity ({signals}).',
      undetermined:
        'Whether privileged roles were separated is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Give administrators a separate cloud-only admin account for privileged roles and block it from email and browsing.',
    frameworks: ['NIST CSF 2.0 PR.AA-05', 'NIST SP 800-53 AC-6'],
    evidenceTypes: ADMIN,
  }),

  // iam, workloads: the credential a workload authenticates with and its session lifetime
  control({
    id: 'iam.workload-short-lived-credentials',
    ownerRole: 'iam',
    appliesTo: 'workloads',
    question: 'non-human',
    title: 'Workload authenticates with short-lived federated credentials',
    signals: ['longLivedSecretUsed'],
    failWhen: isTrue('longLivedSecretUsed'),
    holdWhen: isFalse('longLivedSecretUsed'),
    reasons: {
      failed:
        'The workload authenticated with a long-lived secret where a short-lived federated credential was available ({signals}).',
      held: 'The workload authenticated with a short-lived or federated credential ({signals}).',
      undetermined:
        'Whether the workload used a long-lived secret is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Replace the access key or client secret with a federated credential (an IAM role through instance profiles, OIDC web identity or IAM Roles Anywhere; a managed identity or workload identity federation) and delete the secret.',
    frameworks: ['NIST CSF 2.0 PR.AA-01', 'NIST CSF 2.0 PR.AA-03', 'OWASP NHI7:2025'],
    evidenceTypes: WORKLOAD_CREDENTIAL,
  }),
  control({
    id: 'iam.workload-session-lifetime',
    ownerRole: 'iam',
    appliesTo: 'workloads',
    question: 'non-human',
    title: 'Workload session lifetime within policy',
    signals: ['sessionLifetimeHours', 'maxSessionLifetimeHours'],
    failWhen: exceeds('sessionLifetimeHours', 'maxSessionLifetimeHours'),
    holdWhen: within('sessionLifetimeHours', 'maxSessionLifetimeHours'),
    reasons: {
      failed:
        "The workload's session lived longer than the organisation limit, so a stolen copy stayed usable longer ({signals}).",
      held: "The workload's session lifetime was within the organisation limit ({signals}).",
      undetermined:
        "The workload's session lifetime against policy cannot be judged (known: {signals}; unknown: {unknown}).",
    },
    guidance:
      "Lower the role's maximum session duration and the token lifetime the workload requests to the organisation limit.",
    frameworks: ['NIST CSF 2.0 PR.AA-03', 'NIST SP 800-53 AC-12', 'OWASP NHI7:2025'],
    evidenceTypes: WORKLOAD_CREDENTIAL,
  }),

  // ── endpoint: device posture, malware resistance, browser hardening, credential theft ──
  control({
    id: 'endpoint.device-posture',
    ownerRole: 'endpoint',
    appliesTo: 'people',
    question: 'endpoint',
    title: 'Managed device kept compliant',
    signals: ['deviceManaged', 'deviceCompliant'],
    failWhen: all(isTrue('deviceManaged'), isFalse('deviceCompliant')),
    // An unmanaged device is outside the endpoint estate: letting it in fails
    // iam.compliant-device-required, and no managed device's posture drifted.
    holdWhen: any(
      isFalse('deviceManaged'),
      all(isTrue('deviceManaged'), isTrue('deviceCompliant')),
    ),
    reasons: {
      failed: 'A managed device was out of compliance while it held the session ({signals}).',
      held: 'No managed device out of compliance held the session: it was compliant, or it was never a managed device, which the identity provider should have refused ({signals}).',
      undetermined:
        'Whether a managed device held the session, and its compliance, is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Bring the device back to compliance (patch level, disk encryption, security baseline) and alert on compliance drift.',
    frameworks: ['NIST CSF 2.0 DE.CM-09', 'NIST SP 800-207 tenet 5'],
    evidenceTypes: ENDPOINT,
  }),
  control({
    id: 'endpoint.infostealer-resistance',
    ownerRole: 'endpoint',
    appliesTo: 'people',
    question: 'endpoint',
    title: 'Infostealer malware resisted',
    signals: ['infostealerDetected'],
    failWhen: isTrue('infostealerDetected'),
    holdWhen: isFalse('infostealerDetected'),
    reasons: {
      failed: 'Infostealer malware ran on the endpoint and could take the session ({signals}).',
      held: 'No infostealer was found on the endpoint ({signals}).',
      undetermined:
        'Whether an infostealer ran on the endpoint is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Block unsigned and user-installed executables with application control and keep anti-malware protection and attack surface reduction rules enforced.',
    frameworks: ['NIST CSF 2.0 DE.CM-09', 'NIST SP 800-53 SI-3'],
    evidenceTypes: ENDPOINT,
  }),
  control({
    id: 'endpoint.browser-hardening',
    ownerRole: 'endpoint',
    appliesTo: 'people',
    question: 'endpoint',
    title: 'Browser sessions protected at rest',
    signals: ['browserSessionPersistence'],
    failWhen: isTrue('browserSessionPersistence'),
    holdWhen: isFalse('browserSessionPersistence'),
    reasons: {
      failed:
        'The browser kept an exportable persistent session that could be copied off the endpoint ({signals}).',
      held: 'The browser did not keep an exportable persistent session ({signals}).',
      undetermined:
        'Whether the browser session was persistent and exportable is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Enforce browser policies that encrypt cookies to the device, disable persistent sign-in for corporate sites and block unapproved extensions.',
    frameworks: ['NIST CSF 2.0 PR.AA-04', 'NIST SP 800-53 SC-23', 'NIST SP 800-207 tenet 5'],
    evidenceTypes: ENDPOINT,
  }),
  control({
    id: 'endpoint.phishing-protection',
    ownerRole: 'endpoint',
    appliesTo: 'people',
    question: 'endpoint',
    title: 'Phishing and proxy sites blocked',
    signals: ['phishingDetected'],
    failWhen: isTrue('phishingDetected'),
    holdWhen: isFalse('phishingDetected'),
    reasons: {
      failed:
        'The endpoint let the user reach a phishing or adversary-in-the-middle proxy site that took the session ({signals}).',
      held: 'The session was not phished through a proxy site ({signals}).',
      undetermined:
        'Whether the session was phished is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Turn on web protection (SmartScreen or equivalent network protection) in block mode and feed it the phishing domains from this incident.',
    frameworks: ['NIST CSF 2.0 DE.CM-09', 'NIST SP 800-53 SI-3'],
    evidenceTypes: ENDPOINT,
  }),
  control({
    id: 'endpoint.credential-theft-detection',
    ownerRole: 'endpoint',
    appliesTo: 'people',
    question: 'endpoint',
    title: 'EDR detects credential theft',
    signals: ['credentialTheftDetectedByEdr', 'infostealerDetected', 'browserSessionPersistence'],
    failWhen: all(
      isFalse('credentialTheftDetectedByEdr'),
      any(isTrue('infostealerDetected'), isTrue('browserSessionPersistence')),
    ),
    holdWhen: any(
      isTrue('credentialTheftDetectedByEdr'),
      all(isFalse('infostealerDetected'), isFalse('browserSessionPersistence')),
    ),
    reasons: {
      failed:
        'The session was taken from the endpoint and EDR did not detect the theft ({signals}).',
      held: 'EDR detected the credential theft, or none happened on the endpoint ({signals}).',
      undetermined:
        'Whether EDR should have seen a credential theft is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Enable EDR detections for browser cookie and token store access in block mode and route them to the SOC.',
    frameworks: ['NIST CSF 2.0 DE.CM-09', 'NIST SP 800-53 SI-4'],
    evidenceTypes: ENDPOINT,
  }),

  // ── application: authorization design, step-up, role assignment, legacy SSO, workloads ──
  control({
    id: 'application.session-validation',
    ownerRole: 'application',
    appliesTo: 'both',
    question: 'session-validity',
    title: 'Application validates the session itself',
    signals: ['appValidatedSession'],
    failWhen: isFalse('appValidatedSession'),
    holdWhen: isTrue('appValidatedSession'),
    reasons: {
      failed:
        'The application accepted the session without its own binding or re-validation checks ({signals}).',
      held: 'The application validated the session itself ({signals}).',
      undetermined:
        'Whether the application validated the session is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Validate token binding and re-check sessions with the identity provider (continuous access evaluation) instead of trusting a session cookie alone.',
    frameworks: ['NIST CSF 2.0 PR.AA-04', 'NIST SP 800-53 SC-23', 'NIST SP 800-207 tenet 6'],
    evidenceTypes: APP,
  }),
  control({
    id: 'application.legacy-sso',
    ownerRole: 'application',
    appliesTo: 'people',
    question: 'session-validity',
    title: 'No legacy SSO',
    signals: ['legacySso'],
    failWhen: isTrue('legacySso'),
    holdWhen: isFalse('legacySso'),
    reasons: {
      failed:
        'The application accepted the session through legacy SSO that the identity provider cannot re-evaluate ({signals}).',
      held: 'The application did not accept the session through legacy SSO ({signals}).',
      undetermined:
        'Whether legacy SSO carried the session is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Move the application from legacy SSO (header-based, password vaulting, long-lived SAML sessions) to OpenID Connect with continuous access evaluation.',
    frameworks: ['NIST CSF 2.0 PR.AA-04', 'NIST SP 800-53 SC-23', 'NIST SP 800-207 tenet 6'],
    evidenceTypes: APP,
  }),
  control({
    id: 'application.admin-step-up',
    ownerRole: 'application',
    appliesTo: 'people',
    question: 'tenant-admin',
    title: 'Step-up before tenant-level admin actions',
    signals: ['adminActionPerformed', 'stepUpPerformed', 'privilegedSubject', 'stepUpRequired'],
    failWhen: any(
      all(isTrue('adminActionPerformed'), isFalse('stepUpPerformed')),
      all(isTrue('privilegedSubject'), isFalse('stepUpRequired')),
    ),
    holdWhen: any(
      all(
        isTrue('stepUpRequired'),
        any(isTrue('stepUpPerformed'), isFalse('adminActionPerformed')),
      ),
      all(isFalse('privilegedSubject'), isFalse('adminActionPerformed')),
      // A non-privileged subject whose admin actions came with step-up.
      all(isFalse('privilegedSubject'), isTrue('stepUpPerformed')),
    ),
    reasons: {
      failed:
        'The application allowed tenant-level admin actions without step-up reauthentication ({signals}).',
      held: 'Tenant-level admin actions required step-up, or none were possible with this session ({signals}).',
      undetermined:
        'Whether admin actions required step-up is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Require fresh, phishing-resistant reauthentication (an authentication context) before tenant-level admin actions.',
    frameworks: ['NIST CSF 2.0 PR.AA-05', 'NIST SP 800-53 IA-11', 'NIST SP 800-207 tenet 6'],
    evidenceTypes: ADMIN,
  }),
  control({
    id: 'application.standing-privilege',
    ownerRole: 'application',
    appliesTo: 'both',
    question: 'tenant-admin',
    title: 'No standing privileged roles',
    signals: ['standingPrivilege', 'privilegedSubject'],
    failWhen: isTrue('standingPrivilege'),
    holdWhen: any(isFalse('standingPrivilege'), isFalse('privilegedSubject')),
    reasons: {
      failed:
        'The stolen identity held a permanent privileged role instead of a just-in-time one ({signals}).',
      held: 'The stolen identity held no permanent privileged role ({signals}).',
      undetermined:
        'Whether privileged roles were standing or just-in-time is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Replace permanent privileged role assignments with just-in-time, time-bound activation that requires approval or justification.',
    frameworks: ['NIST CSF 2.0 PR.AA-05', 'NIST SP 800-53 AC-6', 'NIST SP 800-207 tenet 3'],
    evidenceTypes: ADMIN,
  }),
  control({
    id: 'application.shared-admin-sessions',
    ownerRole: 'application',
    appliesTo: 'people',
    question: 'tenant-admin',
    title: 'No shared admin sessions',
    signals: ['sharedAdminSession'],
    failWhen: isTrue('sharedAdminSession'),
    holdWhen: isFalse('sharedAdminSession'),
    reasons: {
      failed:
        'The admin session was shared between people, so one theft opened it to everyone using it ({signals}).',
      held: 'The admin session was not shared between people ({signals}).',
      undetermined:
        'Whether the admin session was shared is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Retire shared admin accounts and sessions and give each administrator a personal, individually accountable role assignment.',
    frameworks: ['NIST CSF 2.0 PR.AA-05', 'NIST SP 800-53 AC-6'],
    evidenceTypes: ADMIN,
  }),
  control({
    id: 'application.workload-credential-exposure',
    ownerRole: 'application',
    appliesTo: 'people',
    question: 'non-human',
    title: 'Workload credentials out of reach of interactive sessions',
    signals: ['nhiCredentialExposedInteractively'],
    failWhen: isTrue('nhiCredentialExposedInteractively'),
    holdWhen: isFalse('nhiCredentialExposedInteractively'),
    reasons: {
      failed:
        'Workload credentials were reachable from the stolen interactive session ({signals}).',
      held: 'No workload credentials were reachable from the stolen interactive session ({signals}).',
      undetermined:
        'Whether workload credentials were reachable from the session is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'Rotate the exposed workload credentials and move workloads to managed identities or workload identity federation so no human session can read a secret.',
    frameworks: ['NIST CSF 2.0 PR.AA-01', 'OWASP NHI2:2025', 'OWASP NHI10:2025'],
    evidenceTypes: WORKLOAD,
  }),

  // application, workloads: the data perimeter a workload session is bound to
  control({
    id: 'application.workload-network-perimeter',
    ownerRole: 'application',
    appliesTo: 'workloads',
    question: 'non-human',
    title: 'Workload session bound to its network and organization',
    signals: ['sessionUsedOutsidePerimeter', 'perimeterBindingEnforced'],
    failWhen: any(isTrue('sessionUsedOutsidePerimeter'), isFalse('perimeterBindingEnforced')),
    holdWhen: isTrue('perimeterBindingEnforced'),
    reasons: {
      failed:
        "The workload's session was usable outside its network or organization, with no data-perimeter condition to refuse the copy ({signals}).",
      held: "The workload's session was bound to its network and organization by policy ({signals}).",
      undetermined:
        "Whether the workload's session was bound to its network or organization is unknown (known: {signals}; unknown: {unknown}).",
    },
    guidance:
      'Add data-perimeter conditions (aws:SourceVpc or aws:SourceIp with aws:ViaAWSService, aws:PrincipalOrgID and aws:ResourceOrgID in resource control and service control policies, or location conditions for workload identities) so the role session is refused outside its network and organization.',
    frameworks: [
      'NIST CSF 2.0 PR.AA-04',
      'NIST SP 800-53 SC-23',
      'NIST SP 800-207 tenet 4',
      'OWASP NHI2:2025',
    ],
    evidenceTypes: WORKLOAD_USE,
  }),
  // ── partner: the delegated trust boundary (only when the detection names a partner) ──
  control({
    id: 'partner.delegated-trust-boundary',
    ownerRole: 'partner',
    appliesTo: 'both',
    question: 'delegation',
    title: 'Delegated access not used as the way in',
    signals: ['partnerSessionUsed'],
    failWhen: isTrue('partnerSessionUsed'),
    holdWhen: isFalse('partnerSessionUsed'),
    reasons: {
      failed:
        'The delegated administration session of {partner} carried the compromise into the tenant ({signals}).',
      held: 'The delegated administration session of {partner} was not used in the compromise ({signals}).',
      undetermined:
        'Whether the delegated session of {partner} was used is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'The partner must contain the compromised technician identity, review its delegated relationships with this tenant and report what it accessed.',
    frameworks: [
      'NIST CSF 2.0 DE.CM-06',
      'NIST CSF 2.0 GV.SC-02',
      'NIST CSF 2.0 GV.SC-08',
      'NIST SP 800-53 SA-9',
    ],
    evidenceTypes: PARTNER,
  }),
  control({
    id: 'partner.delegated-least-privilege',
    ownerRole: 'partner',
    appliesTo: 'both',
    question: 'delegation',
    title: 'Delegated roles least-privilege and time-bound',
    signals: ['partnerSessionUsed', 'standingPrivilege'],
    failWhen: all(isTrue('partnerSessionUsed'), isTrue('standingPrivilege')),
    holdWhen: any(isFalse('partnerSessionUsed'), isFalse('standingPrivilege')),
    reasons: {
      failed:
        'The delegated session of {partner} held standing privileged roles in the tenant ({signals}).',
      held: 'The delegated session of {partner} held no standing privileged roles in the tenant ({signals}).',
      undetermined:
        'Whether the delegated roles of {partner} were standing is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'The partner must reduce its delegated admin relationship to the least-privileged roles, time-bound and activated just in time.',
    frameworks: [
      'NIST CSF 2.0 PR.AA-05',
      'NIST CSF 2.0 GV.SC-02',
      'NIST SP 800-53 AC-6',
      'NIST SP 800-53 SA-9',
    ],
    evidenceTypes: PARTNER,
  }),
  control({
    id: 'partner.technician-mfa',
    ownerRole: 'partner',
    appliesTo: 'people',
    question: 'delegation',
    title: 'Partner technicians use phishing-resistant MFA',
    signals: ['partnerSessionUsed', 'mfaMethod'],
    failWhen: all(isTrue('partnerSessionUsed'), mfaMethodIn('push', 'otp', 'sms', 'voice', 'none')),
    holdWhen: any(isFalse('partnerSessionUsed'), mfaMethodIn('phishingResistant')),
    reasons: {
      failed:
        'A technician of {partner} reached the tenant without phishing-resistant MFA ({signals}).',
      held: 'The delegated access of {partner} did not rest on weak MFA ({signals}).',
      undetermined:
        'The MFA strength of the technician of {partner} is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'The partner must require phishing-resistant MFA for every technician account that holds delegated access to customer tenants.',
    frameworks: ['NIST CSF 2.0 PR.AA-03', 'NIST SP 800-53 IA-2', 'NIST SP 800-53 SA-9'],
    evidenceTypes: PARTNER,
  }),
  control({
    id: 'partner.partner-held-workload-credentials',
    ownerRole: 'partner',
    appliesTo: 'people',
    question: 'non-human',
    title: 'Partner session could not reach workload credentials',
    signals: ['partnerSessionUsed', 'nhiCredentialExposedInteractively'],
    failWhen: all(isTrue('partnerSessionUsed'), isTrue('nhiCredentialExposedInteractively')),
    holdWhen: any(isFalse('partnerSessionUsed'), isFalse('nhiCredentialExposedInteractively')),
    reasons: {
      failed:
        'The delegated session of {partner} exposed workload credentials of the tenant ({signals}).',
      held: 'The delegated session of {partner} exposed no workload credentials ({signals}).',
      undetermined:
        'Whether the delegated session of {partner} exposed workload credentials is unknown (known: {signals}; unknown: {unknown}).',
    },
    guidance:
      'The partner must stop holding or reading tenant workload secrets through technician sessions and rotate those it could reach.',
    frameworks: [
      'OWASP NHI3:2025',
      'OWASP NHI2:2025',
      'NIST CSF 2.0 GV.SC-02',
      'NIST SP 800-53 SA-9',
    ],
    evidenceTypes: [...PARTNER, ...WORKLOAD],
  }),
];
