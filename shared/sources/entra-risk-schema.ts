import * as z from 'zod/mini';
import { parseWith } from '../domain/validation.ts';
import { eventBridgeEvent } from './eventbridge.ts';
import { rawSha256 } from './raw.ts';
import { clip, type NormalizeResult, present } from './result.ts';

/**
 * The Graph fields user (`riskDetection`) and service principal (`servicePrincipalRiskDetection`)
 * risk detections share, and what both readers make of them: the tie to the sign-in and the
 * evidence every risk detection gives.
 */

/** A Graph string property: Graph sends null as well as leaving it out. */
export const graphText = () => z.optional(z.nullable(z.string()));

/** The fields both risk detection entities carry (Graph v1.0). */
export const riskDetectionFields = {
  id: z.string().check(z.minLength(1), z.maxLength(256)),
  requestId: graphText(),
  correlationId: graphText(),
  riskEventType: z.string().check(z.minLength(1)),
  riskState: z.string(),
  riskLevel: z.string(),
  riskDetail: graphText(),
  detectionTimingType: graphText(),
  ipAddress: graphText(),
  detectedDateTime: z.iso.datetime({ offset: true }),
};

/** The envelope's own tenant (ours, not Graph's): absent means the configured tenant. */
export const envelopeTenantId = () => z.optional(z.string().check(z.minLength(1)));

interface RiskDetectionFields {
  id: string;
  requestId?: string | null | undefined;
  correlationId?: string | null | undefined;
  riskEventType: string;
  riskState: string;
  riskLevel: string;
  detectionTimingType?: string | null | undefined;
}

/** The sign-in given must be the one the detection points at (`<member>.requestId`). */
export function signInTieMismatch(
  member: string,
  requestId: string | undefined,
  signInId: string,
): { path: string; message: string } | undefined {
  if (!requestId) {
    return {
      path: `${member}.requestId`,
      message: 'is empty, so the signIn cannot be tied to this detection',
    };
  }
  if (signInId !== requestId) {
    return {
      path: 'signIn.id',
      message: `must equal ${member}.requestId (${requestId}): it is another sign-in`,
    };
  }
  return undefined;
}

/** The evidence every risk detection gives: itself, its sign-in, correlation and token ids. */
export function riskEvidence(
  type: string,
  risk: RiskDetectionFields,
  signIn: { uniqueTokenIdentifier?: string | null | undefined } | undefined,
): { type: string; ref: string; description?: string }[] {
  const requestId = present(risk.requestId);
  const correlationId = present(risk.correlationId);
  const tokenId = present(signIn?.uniqueTokenIdentifier);
  return [
    {
      type,
      ref: risk.id,
      description: clip(
        `${risk.riskEventType} (${risk.riskLevel}, ${risk.riskState}, ${risk.detectionTimingType ?? 'timing unknown'})`,
        2000,
      ),
    },
    ...(requestId ? [{ type: 'entra.signIn', ref: requestId }] : []),
    ...(correlationId ? [{ type: 'entra.correlationId', ref: correlationId }] : []),
    ...(tokenId ? [{ type: 'entra.uniqueTokenIdentifier', ref: tokenId }] : []),
  ];
}

export interface EntraRiskContext {
  /** The tenant to assume when the detection names none (the configured tenant). */
  entraTenantId?: string | undefined;
}

type Reader = (input: unknown, context?: EntraRiskContext) => NormalizeResult;

/**
 * The three ways a risk detection arrives, all read by `read`: the bare envelope (file, stdin,
 * `POST /v1/detections`), the Graph entity alone (no sign-in, tenant from context), and the
 * envelope as the `detail` of an EventBridge event (a SOAR's `PutEvents`).
 */
export function riskReaders<Envelope, Risk>(options: {
  what: string;
  envelope: z.ZodMiniType<Envelope>;
  risk: z.ZodMiniType<Risk>;
  wrap: (risk: Risk) => Envelope;
  read: (envelope: Envelope, at: string, sha: string, context: EntraRiskContext) => NormalizeResult;
}): { envelope: Reader; entity: Reader; event: Reader } {
  const reader =
    <T>(schema: z.ZodMiniType<T>, unwrap: (parsed: T) => Envelope, at: string) =>
    (input: unknown, context: EntraRiskContext = {}): NormalizeResult => {
      const sha = rawSha256(input);
      const parsed = parseWith(schema, input, options.what);
      if (!parsed.ok) return { kind: 'invalid', error: parsed.error, rawSha256: sha };
      return options.read(unwrap(parsed.value), at, sha, context);
    };
  const event: z.ZodMiniType<{ detail: Envelope }> = eventBridgeEvent(options.envelope);
  return {
    envelope: reader(options.envelope, (parsed) => parsed, ''),
    entity: reader(options.risk, options.wrap, ''),
    event: reader(event, (parsed) => parsed.detail, 'detail.'),
  };
}
