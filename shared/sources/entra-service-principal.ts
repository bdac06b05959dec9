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
  compact,
  finish,
  ignored,
  invalid,
  isoUtc,
  type NormalizeResult,
  present,
} from './result.ts';

/**
 * Microsoft Entra ID Protection service principal (workload identity) risk detections, as a SOAR
 * forwards them. As for user detections the envelope is ours, its members Graph entities:
 *
 * ```jsonc
 * {
 *   "tenantId": "…",                       // optional: else the configured tenant
 *   "servicePrincipalRiskDetection": {…},  // GET /identityProtection/servicePrincipalRiskDetections/{id}
 *   "signIn": {…}                          // optional: GET /beta/auditLogs/signIns/{requestId}
 * }
 * ```
 * Sent bare or as the `detail` of an EventBridge event with the detail-type below. Graph's
 * service principal sign-ins carry no home tenant, so the tenant comes from the envelope or the
 * configuration. The sign-in tells which credential the workload authenticated with.
 */
export const ENTRA_SP_DETAIL_TYPE = 'Entra ID Protection Service Principal Risk Detection';

const text = graphText;

const riskSchema = z.object({
  ...riskDetectionFields,
  servicePrincipalId: z.string().check(z.minLength(1)),
  servicePrincipalDisplayName: text(),
  appId: text(),
  keyIds: z.optional(z.nullable(z.array(z.string()))),
});

const signInSchema = z.object({
  id: z.string().check(z.minLength(1)),
  signInEventTypes: z.optional(z.nullable(z.array(z.string()))),
  servicePrincipalId: text(),
  appId: text(),
  ipAddress: text(),
  correlationId: text(),
  uniqueTokenIdentifier: text(),
  clientCredentialType: text(),
  servicePrincipalCredentialKeyId: text(),
  servicePrincipalCredentialThumbprint: text(),
  federatedCredentialId: text(),
});

const envelopeSchema = z.object({
  tenantId: envelopeTenantId(),
  servicePrincipalRiskDetection: riskSchema,
  signIn: z.optional(z.nullable(signInSchema)),
});

type Envelope = z.infer<typeof envelopeSchema>;
type SignIn = z.infer<typeof signInSchema>;

const WHAT = 'Entra ID Protection service principal risk detection';
/** Sign-in categories of a workload identity (users sign in as interactiveUser/nonInteractiveUser). */
const WORKLOAD_SIGN_INS = ['servicePrincipal', 'managedIdentity'];

const readers = riskReaders({
  what: WHAT,
  envelope: envelopeSchema,
  risk: riskSchema,
  wrap: (servicePrincipalRiskDetection) => ({ servicePrincipalRiskDetection }),
  read: normalizeParsed,
});

/** The bare envelope (file, stdin, `POST /v1/detections`). */
export const normalizeEntraServicePrincipalEnvelope = readers.envelope;
/** A bare Graph servicePrincipalRiskDetection (no sign-in, tenant from context). */
export const normalizeEntraServicePrincipalRisk = readers.entity;
/** The envelope as the `detail` of an EventBridge event. */
export const normalizeEntraServicePrincipalEvent = readers.event;

function normalizeParsed(
  envelope: Envelope,
  at: string,
  sha: string,
  context: EntraRiskContext,
): NormalizeResult {
  const risk = envelope.servicePrincipalRiskDetection;
  const signIn = envelope.signIn ?? undefined;
  if (CLOSED_RISK_STATES.includes(risk.riskState)) {
    return ignored(
      `risk detection is ${risk.riskState}: the service principal is not at risk`,
      sha,
      risk.id,
    );
  }
  const requestId = present(risk.requestId);
  const mismatch = signIn && signInMismatch(signIn, risk, requestId);
  if (mismatch) return invalid(WHAT, { ...mismatch, path: `${at}${mismatch.path}` }, sha);

  const tenantId = envelope.tenantId ?? context.entraTenantId;
  if (!tenantId) {
    return invalid(
      WHAT,
      {
        path: `${at}tenantId`,
        message:
          'required: a service principal risk detection does not carry its tenant (give tenantId or configure the Entra tenant)',
      },
      sha,
    );
  }
  const { severity, note } = riskSeverity(risk.riskLevel, risk.riskState, 'Workload ID Premium');
  const credential = signIn ? credentialOf(signIn) : undefined;
  const ipAddress = present(risk.ipAddress) ?? present(signIn?.ipAddress);

  return finish(
    {
      detectionId: `entra:${risk.id}`,
      detectedAt: isoUtc(risk.detectedDateTime),
      severity,
      source: { vendor: 'microsoft', product: 'entra-id-protection', ruleId: risk.riskEventType },
      tenant: { provider: 'entra', tenantId },
      subject: {
        type: 'servicePrincipal',
        id: risk.servicePrincipalId,
        kind: 'workload',
        displayName: present(risk.servicePrincipalDisplayName),
      },
      session: { signInId: requestId, ipAddress },
      signals: credential?.signals,
      evidence: compact([
        ...riskEvidence('entra.servicePrincipalRiskDetection', risk, signIn),
        credential?.evidence,
        ...(risk.keyIds ?? [])
          .filter((keyId) => keyId !== credential?.evidence?.ref)
          .map((keyId) => ({
            type: 'entra.servicePrincipalCredential',
            ref: keyId,
            description: 'key credential the risk detection names',
          })),
        ipAddress && { type: 'network.sourceIp', ref: ipAddress },
        note,
      ]),
    },
    { sourceEventId: risk.id, rawSha256: sha, what: WHAT },
  );
}

type Risk = Envelope['servicePrincipalRiskDetection'];

/** The sign-in must be the one the detection points at, and a workload's. */
function signInMismatch(
  signIn: SignIn,
  risk: Risk,
  requestId: string | undefined,
): { path: string; message: string } | undefined {
  const tie = signInTieMismatch('servicePrincipalRiskDetection', requestId, signIn.id);
  if (tie) return tie;
  if (present(signIn.servicePrincipalId) && signIn.servicePrincipalId !== risk.servicePrincipalId) {
    return {
      path: 'signIn.servicePrincipalId',
      message: `must equal servicePrincipalRiskDetection.servicePrincipalId (${risk.servicePrincipalId})`,
    };
  }
  const types = signIn.signInEventTypes ?? [];
  if (types.length > 0 && !types.some((type) => WORKLOAD_SIGN_INS.includes(type))) {
    return {
      path: 'signIn.signInEventTypes',
      message: `is ${types.join(', ')}: a user's sign-in, not a service principal's (expected servicePrincipal or managedIdentity)`,
    };
  }
  return undefined;
}

/**
 * `clientCredentialType` against the workload controls. A client secret is a long-lived shared
 * secret. A certificate counts as long-lived too: only a proof of possession leaves the
 * workload, but the private key it holds stays valid for the certificate's lifetime (OWASP NHI7
 * names certificates), where a federated credential or managed identity needs no stored key.
 * Federated credentials and managed identities exchange short-lived tokens. `clientAssertion`
 * (who signed it is not said) and `none` leave it unknown.
 */
const LONG_LIVED: Record<string, boolean> = {
  clientSecret: true,
  certificate: true,
  federatedIdentityCredential: false,
  managedIdentity: false,
};

function credentialOf(signIn: SignIn): {
  signals: Signals;
  evidence?: { type: string; ref: string; description: string };
} {
  const type = present(signIn.clientCredentialType);
  if (!type) return { signals: {} };
  const longLived = LONG_LIVED[type];
  const ref =
    present(signIn.servicePrincipalCredentialKeyId) ??
    present(signIn.servicePrincipalCredentialThumbprint) ??
    present(signIn.federatedCredentialId) ??
    type;
  return {
    signals: longLived === undefined ? {} : { longLivedSecretUsed: longLived },
    evidence: {
      type: 'entra.servicePrincipalCredential',
      ref,
      description: `clientCredentialType ${type} (sign-in ${signIn.id})`,
    },
  };
}
