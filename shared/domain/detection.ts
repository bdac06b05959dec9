import * as z from 'zod/mini';
import type { InvalidInputError, Result } from './errors.ts';
import { canonicalDetection } from './identity.ts';
import { parseWith } from './validation.ts';

/**
 * The native detection event, version 1 of the public contract (docs/contract.md section 1).
 * Field names and enum values are fixed by the contract. Unknown fields are dropped;
 * an absent signal means UNKNOWN, never false.
 */

const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const PROVIDERS = ['entra', 'okta', 'aws'] as const;
const SUBJECT_TYPES = ['user', 'servicePrincipal', 'awsPrincipal'] as const;
export const SUBJECT_KINDS = ['person', 'workload'] as const;
const PARTNER_RELATIONSHIPS = ['gdap', 'dap', 'msp', 'other'] as const;
export const MFA_METHODS = ['phishingResistant', 'push', 'otp', 'sms', 'voice', 'none'] as const;

// Bounds keep a hostile sender from making us carry megabytes into logs, tickets and the ledger.
const id = () => z.string().check(z.minLength(1), z.maxLength(512));
const text = (max: number) => z.string().check(z.maxLength(max));
const timestamp = () => z.iso.datetime({ offset: true });
const hours = () => z.number().check(z.gte(0), z.lte(24 * 366 * 10));

const partnerSchema = z.object({
  name: id(),
  tenantId: z.optional(id()),
  relationship: z.enum(PARTNER_RELATIONSHIPS),
});

const sessionSchema = z.object({
  sessionId: z.optional(id()),
  signInId: z.optional(id()),
  tokenIssuedAt: z.optional(timestamp()),
  refreshTokenAgeHours: z.optional(hours()),
  deviceId: z.optional(id()),
  ipAddress: z.optional(text(64)),
  userAgent: z.optional(text(1024)),
  clientApp: z.optional(text(256)),
});

const flag = () => z.optional(z.boolean());
/** A signal whose meaning is documented in the JSON Schema (see docs/attribution-signals.md). */
const documented = (description: string) =>
  z.optional(z.boolean().register(z.globalRegistry, { description }));

export const signalsSchema = z.object({
  // Q1: was the session valid because the IdP allowed it, or because the app accepted it unchecked?
  mfaSatisfied: flag(),
  mfaMethod: z.optional(z.enum(MFA_METHODS)),
  conditionalAccessApplied: documented(
    'true: at least one enforced (not report-only) conditional access policy applied to the sign-in; false: none applied. It says nothing about what the applied policies required: see conditionalAccessEnforced.',
  ),
  // Additive: applied is not enforced (a session-lifetime policy applying does not stop a risky
  // password-only sign-in). Judged by what conditional access made the sign-in satisfy.
  conditionalAccessEnforced: documented(
    'true: an enforced policy required a grant control for this sign-in (MFA, compliant device, block...) and no policy that would have blocked or interrupted it ran report-only; false: a policy that would have blocked or interrupted the sign-in ran report-only (reportOnlyFailure, reportOnlyInterrupted), or the sign-in ended single-factor while no enforced policy required any grant control (an MFA policy skipped by an exclusion, only session controls applied).',
  ),
  tokenBindingEnforced: flag(),
  sessionLifetimeHours: z.optional(hours()),
  maxSessionLifetimeHours: z.optional(hours()),
  appValidatedSession: flag(),
  legacySso: flag(),
  // Additive (contract v1 allows optional fields): did the IdP's own risk detection flag the
  // token's abnormal use? Without it, "detection of abnormal token use" could never be judged.
  abnormalTokenUseDetectedByIdp: flag(),
  // Q2: did the endpoint permit token theft?
  deviceManaged: flag(),
  deviceCompliant: flag(),
  phishingDetected: flag(),
  infostealerDetected: flag(),
  browserSessionPersistence: flag(),
  credentialTheftDetectedByEdr: flag(),
  // Q3: could the tenant be administered with a session that should have been constrained?
  privilegedSubject: flag(),
  adminActionPerformed: flag(),
  stepUpRequired: flag(),
  stepUpPerformed: flag(),
  standingPrivilege: flag(),
  separateAdminAccount: flag(),
  sharedAdminSession: flag(),
  // Non-human identities and delegated administration
  nhiCredentialExposedInteractively: flag(),
  partnerSessionUsed: flag(),
  // Additive, workload sessions (judged only when subject.kind is not "person"):
  sessionUsedOutsidePerimeter: documented(
    "true: the source shows the session's credentials used from outside the network or organization they were issued to (GuardDuty InstanceCredentialExfiltration.OutsideAWS, or .InsideAWS from another account); false: the source shows every use came from inside it.",
  ),
  perimeterBindingEnforced: documented(
    'true: policy binds the session to its network or organization (data-perimeter conditions such as aws:SourceVpc, aws:SourceIp, aws:PrincipalOrgID, or a conditional access location condition for workloads), so a copy is refused elsewhere; false: no such binding.',
  ),
  longLivedSecretUsed: documented(
    'true: the session rests on a long-lived secret (an IAM user access key AKIA..., a client secret, a certificate whose private key the workload keeps) where the platform offers a short-lived federated credential (IAM roles, Roles Anywhere, OIDC web identity; managed identities, workload identity federation); false: it rests on a short-lived or federated credential (ASIA... STS session, federated identity credential, managed identity).',
  ),
});

export const detectionSchema = z.object({
  schemaVersion: z.literal('1'),
  detectionId: id(),
  detectedAt: timestamp(),
  severity: z.enum(SEVERITIES),
  source: z.object({
    vendor: id(),
    product: id(),
    ruleId: z.optional(id()),
    url: z.optional(text(2048)),
  }),
  tenant: z.object({
    provider: z.enum(PROVIDERS),
    tenantId: id(),
    partner: z.optional(partnerSchema),
  }),
  subject: z.object({
    type: z.enum(SUBJECT_TYPES),
    id: id(),
    // Additive: absent means unknown (then every control is judged, as for a person).
    kind: z.optional(
      z.enum(SUBJECT_KINDS).register(z.globalRegistry, {
        description:
          'Whether the session belongs to a person or a workload (instance role, CI role, Lambda role, automation key, service principal). Absent: unknown. Controls that only apply to people are not judged for a workload, and workload controls not for a person.',
      }),
    ),
    userPrincipalName: z.optional(text(512)),
    displayName: z.optional(text(512)),
  }),
  session: z.optional(sessionSchema),
  signals: z.optional(signalsSchema),
  evidence: z.optional(
    z
      .array(
        z.object({
          type: id(),
          ref: text(2048),
          description: z.optional(text(2000)),
        }),
      )
      .check(z.maxLength(100)),
  ),
});

export type Detection = z.infer<typeof detectionSchema>;
export type Signals = z.infer<typeof signalsSchema>;
export type SignalName = keyof Signals;
export type Severity = Detection['severity'];
export type Subject = Detection['subject'];
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

/**
 * Validates a native detection and puts its tenant and subject ids in canonical form
 * (identity.ts); the error names each offending field.
 */
export function parseDetection(input: unknown): Result<Detection, InvalidInputError> {
  const parsed = parseWith(detectionSchema, input, 'detection');
  return parsed.ok ? canonicalDetection(parsed.value) : parsed;
}
