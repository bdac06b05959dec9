import * as z from 'zod/mini';
import type { Signals } from '../domain/detection.ts';
import { CLOSED_RISK_STATES, riskSeverity } from './entra-risk.ts';
import {
  type EntraRiskContext,
  envelopeTenantId,
  graphText,
  riskDetectionFields,
  riskEvidence,
  riskReaders,
  signInTieMismatch,
} from './entra-risk-schema.ts';
import {
  clip,
  compact,
  finish,
  ignored,
  invalid,
  isoUtc,
  type NormalizeResult,
  present,
} from './result.ts';

/**
 * Microsoft Entra ID Protection risk detections, as a SOAR forwards them. The envelope is ours
 * (Graph has no push for risk detections); its members are Graph entities as Graph returns them:
 *
 * ```jsonc
 * {
 *   "tenantId": "…",       // optional: else signIn.homeTenantId, else the configured tenant
 *   "riskDetection": {…},  // GET /identityProtection/riskDetections/{id} (v1.0)
 *   "signIn": {…}          // optional: GET /beta/auditLogs/signIns/{riskDetection.requestId}
 * }
 * ```
 * Sent bare (file, `POST /v1/detections`) or as the `detail` of an EventBridge event with
 * `detail-type: Entra ID Protection Risk Detection`. The sign-in must be the one the detection
 * points at (`signIn.id == riskDetection.requestId`); its conditional access, MFA, device and
 * token protection facts become signals.
 */
export const ENTRA_DETAIL_TYPE = 'Entra ID Protection Risk Detection';

const text = graphText;
const flag = () => z.optional(z.nullable(z.boolean()));

const riskDetectionSchema = z.object({
  ...riskDetectionFields,
  activity: text(),
  location: z.optional(z.nullable(z.object({ city: text(), countryOrRegion: text() }))),
  userId: z.string().check(z.minLength(1)),
  userDisplayName: text(),
  userPrincipalName: text(),
  additionalInfo: text(),
});

const signInSchema = z.object({
  id: z.string().check(z.minLength(1)),
  userId: text(),
  isInteractive: flag(),
  homeTenantId: text(),
  ipAddress: text(),
  clientAppUsed: text(),
  userAgent: text(),
  correlationId: text(),
  sessionId: text(),
  uniqueTokenIdentifier: text(),
  conditionalAccessStatus: text(),
  authenticationRequirement: text(),
  authenticationDetails: z.optional(
    z.nullable(
      z.array(
        z.object({
          authenticationMethod: text(),
          succeeded: flag(),
          authenticationStepRequirement: text(),
        }),
      ),
    ),
  ),
  mfaDetail: z.optional(z.nullable(z.object({ authMethod: text() }))),
  appliedConditionalAccessPolicies: z.optional(
    z.nullable(
      z.array(
        z.object({
          id: text(),
          displayName: text(),
          result: text(),
          enforcedGrantControls: z.optional(z.nullable(z.array(z.string()))),
        }),
      ),
    ),
  ),
  signInTokenProtectionStatus: text(),
  tokenProtectionStatusDetails: z.optional(
    z.nullable(
      z.object({
        signInSessionStatus: text(),
        signInSessionStatusCode: z.optional(z.nullable(z.number())),
      }),
    ),
  ),
  deviceDetail: z.optional(
    z.nullable(
      z.object({ deviceId: text(), isCompliant: flag(), isManaged: flag(), trustType: text() }),
    ),
  ),
  riskEventTypes_v2: z.optional(z.nullable(z.array(z.string()))),
  crossTenantAccessType: text(),
  status: z.optional(z.nullable(z.object({ errorCode: z.optional(z.nullable(z.number())) }))),
});

const entraEnvelopeSchema = z.object({
  tenantId: envelopeTenantId(),
  riskDetection: riskDetectionSchema,
  signIn: z.optional(z.nullable(signInSchema)),
});

type Envelope = z.infer<typeof entraEnvelopeSchema>;
type SignIn = z.infer<typeof signInSchema>;

const WHAT = 'Entra ID Protection risk detection';

const readers = riskReaders({
  what: WHAT,
  envelope: entraEnvelopeSchema,
  risk: riskDetectionSchema,
  wrap: (riskDetection) => ({ riskDetection }),
  read: normalizeParsed,
});

/** The bare envelope (file, stdin, `POST /v1/detections`). */
export const normalizeEntraEnvelope = readers.envelope;
/** A bare Graph riskDetection, forwarded without the envelope (no sign-in, tenant from context). */
export const normalizeEntraRiskDetection = readers.entity;
/** The envelope as the `detail` of an EventBridge event (a SOAR's `PutEvents`). */
export const normalizeEntraEvent = readers.event;

function normalizeParsed(
  envelope: Envelope,
  at: string,
  sha: string,
  context: EntraRiskContext,
): NormalizeResult {
  const risk = envelope.riskDetection;
  const signIn = envelope.signIn ?? undefined;
  const sourceEventId = risk.id;

  if (CLOSED_RISK_STATES.includes(risk.riskState)) {
    return ignored(
      `risk detection is ${risk.riskState}: the user is not at risk`,
      sha,
      sourceEventId,
    );
  }
  const requestId = present(risk.requestId);
  const mismatch = signIn && signInMismatch(signIn, risk, requestId);
  if (mismatch) return invalid(WHAT, { ...mismatch, path: `${at}${mismatch.path}` }, sha);
  const tenantId = envelope.tenantId ?? present(signIn?.homeTenantId) ?? context.entraTenantId;
  if (!tenantId) {
    return invalid(
      WHAT,
      {
        path: `${at}tenantId`,
        message:
          'required: the risk detection does not carry its tenant (give tenantId, a signIn with homeTenantId, or configure the Entra tenant)',
      },
      sha,
    );
  }

  const { severity, note } = riskSeverity(risk.riskLevel, risk.riskState, 'Entra ID P2');
  const info = additionalInfo(risk.additionalInfo);
  const device = signIn?.deviceDetail;
  const tokenStatus =
    present(signIn?.tokenProtectionStatusDetails?.signInSessionStatus) ??
    present(signIn?.signInTokenProtectionStatus);

  return finish(
    {
      detectionId: `entra:${risk.id}`,
      detectedAt: isoUtc(risk.detectedDateTime),
      severity,
      source: { vendor: 'microsoft', product: 'entra-id-protection', ruleId: risk.riskEventType },
      tenant: { provider: 'entra', tenantId },
      subject: {
        type: 'user',
        id: risk.userId,
        // An interactive sign-in is one where a factor was presented to Entra: a person's.
        // Without it (no sign-in, or a token redeemed by an app) the kind stays unknown.
        kind: signIn?.isInteractive === true ? 'person' : undefined,
        userPrincipalName: present(risk.userPrincipalName),
        displayName: present(risk.userDisplayName),
      },
      session: {
        sessionId: present(signIn?.sessionId),
        signInId: requestId,
        deviceId: present(device?.deviceId),
        ipAddress: present(risk.ipAddress) ?? present(signIn?.ipAddress),
        userAgent: clip(present(signIn?.userAgent) ?? info.userAgent, 1024),
        clientApp: present(signIn?.clientAppUsed),
      },
      signals: {
        ...(signIn ? signInSignals(signIn) : {}),
        phishingDetected:
          risk.riskEventType === 'attackerinTheMiddle' ||
          signIn?.riskEventTypes_v2?.includes('attackerinTheMiddle')
            ? true
            : undefined,
      },
      evidence: compact([
        ...riskEvidence('entra.riskDetection', risk, signIn),
        tokenStatus && {
          type: 'entra.tokenProtection',
          ref: tokenStatus,
          description: signIn?.tokenProtectionStatusDetails?.signInSessionStatusCode
            ? `signInSessionStatusCode ${signIn.tokenProtectionStatusDetails.signInSessionStatusCode}`
            : undefined,
        },
        ...(signIn?.appliedConditionalAccessPolicies ?? [])
          .filter((p) => WOULD_HAVE_STOPPED.includes(p.result ?? ''))
          .map((p) => ({
            type: 'entra.conditionalAccessPolicy',
            ref: p.id ?? p.displayName ?? 'unknown',
            description: clip(`${p.displayName ?? 'policy'}: ${p.result}`, 2000),
          })),
        note,
      ]),
    },
    { sourceEventId, rawSha256: sha, what: WHAT },
  );
}

/** The sign-in must be the one the detection points at, and the same user's. */
function signInMismatch(
  signIn: SignIn,
  risk: Envelope['riskDetection'],
  requestId: string | undefined,
): { path: string; message: string } | undefined {
  const tie = signInTieMismatch('riskDetection', requestId, signIn.id);
  if (tie) return tie;
  if (present(signIn.userId) && signIn.userId !== risk.userId) {
    return { path: 'signIn.userId', message: `must equal riskDetection.userId (${risk.userId})` };
  }
  return undefined;
}

/** What the sign-in tells about the controls that let the session through. */
function signInSignals(signIn: SignIn): Signals {
  const signals: Signals = {};
  const ca = signIn.conditionalAccessStatus;
  if (ca === 'success' || ca === 'failure') signals.conditionalAccessApplied = true;
  else if (ca === 'notApplied') signals.conditionalAccessApplied = false;

  const mfa = mfaOf(signIn);
  Object.assign(signals, mfa);
  const enforced = enforcementOf(signIn, mfa.mfaSatisfied);
  if (enforced !== undefined) signals.conditionalAccessEnforced = enforced;

  const binding =
    signIn.tokenProtectionStatusDetails?.signInSessionStatus ?? signIn.signInTokenProtectionStatus;
  if (binding === 'bound') signals.tokenBindingEnforced = true;
  else if (binding === 'unbound') signals.tokenBindingEnforced = false;

  const device = signIn.deviceDetail;
  if (typeof device?.isManaged === 'boolean') signals.deviceManaged = device.isManaged;
  if (typeof device?.isCompliant === 'boolean') signals.deviceCompliant = device.isCompliant;

  if (signIn.crossTenantAccessType === 'serviceProvider') signals.partnerSessionUsed = true;
  else if (signIn.crossTenantAccessType === 'none') signals.partnerSessionUsed = false;
  return signals;
}

/** Policy results that stopped the sign-in, or would have had the policy been on. */
const WOULD_HAVE_STOPPED = ['failure', 'reportOnlyFailure', 'reportOnlyInterrupted'];
const REPORT_ONLY_STOP = ['reportOnlyFailure', 'reportOnlyInterrupted'];

/**
 * Whether conditional access enforced a requirement on this sign-in (see detection.schema.json):
 * a policy that would have blocked or interrupted it but ran report-only is a failure, and so is
 * a single-factor sign-in that no enforced policy asked anything of (an MFA policy skipped by a
 * location exclusion, or only session controls such as sign-in frequency applied). Without the
 * policy list (the reader lacks the permission to see it) nothing is known.
 */
function enforcementOf(signIn: SignIn, mfaSatisfied: boolean | undefined): boolean | undefined {
  const policies = signIn.appliedConditionalAccessPolicies;
  if (!policies) return undefined;
  if (policies.some((p) => REPORT_ONLY_STOP.includes(p.result ?? ''))) return false;
  const granted = policies.some(
    (p) =>
      (p.result === 'success' || p.result === 'failure') &&
      (p.enforcedGrantControls ?? []).length > 0,
  );
  if (granted) return true;
  return mfaSatisfied === false ? false : undefined;
}

type MfaMethod = NonNullable<Signals['mfaMethod']>;

/** Sign-in log method names (authenticationDetails / mfaDetail) by strength. */
const METHOD_PATTERNS: readonly [RegExp, MfaMethod][] = [
  [
    /fido2|passkey|windows hello|x\.?509|certificate|platform credential|smart ?card/i,
    'phishingResistant',
  ],
  [
    /mobile app notification|passwordless phone|phone sign-in|authenticator.*(push|passwordless)/i,
    'push',
  ],
  [/oath|verification code|software token|hardware token|otp/i, 'otp'],
  [/text message|sms/i, 'sms'],
  [/phone call|voice/i, 'voice'],
];

export function mfaMethodOf(name: string | null | undefined): MfaMethod | undefined {
  if (!name) return undefined;
  return METHOD_PATTERNS.find(([pattern]) => pattern.test(name))?.[1];
}

function mfaOf(signIn: SignIn): Pick<Signals, 'mfaSatisfied' | 'mfaMethod'> {
  const succeeded = (signIn.authenticationDetails ?? []).filter((step) => step.succeeded === true);
  if (succeeded.some((step) => mfaMethodOf(step.authenticationMethod) === 'phishingResistant')) {
    return { mfaSatisfied: true, mfaMethod: 'phishingResistant' };
  }
  const mfaStep = succeeded.find((step) =>
    /mfa|multi-?factor/i.test(step.authenticationStepRequirement ?? ''),
  );
  const method = mfaMethodOf(signIn.mfaDetail?.authMethod ?? mfaStep?.authenticationMethod);
  if (mfaStep) return method ? { mfaSatisfied: true, mfaMethod: method } : { mfaSatisfied: true };
  if (signIn.authenticationRequirement === 'singleFactorAuthentication') {
    return { mfaSatisfied: false, mfaMethod: 'none' };
  }
  if (
    signIn.authenticationRequirement === 'multiFactorAuthentication' &&
    signIn.status?.errorCode === 0
  ) {
    return method ? { mfaSatisfied: true, mfaMethod: method } : { mfaSatisfied: true };
  }
  return {};
}

/** `additionalInfo` is a JSON string of `[{Key, Value}]`; unreadable content is only context. */
function additionalInfo(raw: string | null | undefined): Record<string, string> {
  if (!raw) return {};
  try {
    const pairs: unknown = JSON.parse(raw);
    if (!Array.isArray(pairs)) return {};
    const out: Record<string, string> = {};
    for (const pair of pairs) {
      if (pair && typeof pair.Key === 'string' && typeof pair.Value === 'string') {
        out[pair.Key] = pair.Value;
      }
    }
    return out;
  } catch {
    return {};
  }
}
