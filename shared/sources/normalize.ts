import { InvalidInputError } from '../domain/errors.ts';
import { parseWith } from '../domain/validation.ts';
import {
  ENTRA_DETAIL_TYPE,
  normalizeEntraEnvelope,
  normalizeEntraEvent,
  normalizeEntraRiskDetection,
} from './entra.ts';
import {
  ENTRA_SP_DETAIL_TYPE,
  normalizeEntraServicePrincipalEnvelope,
  normalizeEntraServicePrincipalEvent,
  normalizeEntraServicePrincipalRisk,
} from './entra-service-principal.ts';
import { envelopeProbe } from './eventbridge.ts';
import { GUARDDUTY_DETAIL_TYPE, GUARDDUTY_SOURCE, normalizeGuardDuty } from './guardduty.ts';
import { locateInSource } from './locate.ts';
import { NATIVE_DETAIL_TYPE, normalizeNativeDetection, normalizeNativeEvent } from './native.ts';
import { normalizeOkta, OKTA_DETAIL_TYPE, OKTA_SOURCE_PREFIX } from './okta.ts';
import { rawSha256 } from './raw.ts';
import { DraftRejectedError, type NormalizeResult } from './result.ts';
import {
  ASFF_DETAIL_TYPES,
  normalizeSecurityHubAsff,
  SECURITYHUB_SOURCE,
} from './securityhub-asff.ts';
import { normalizeSecurityHubOcsf, OCSF_DETAIL_TYPE } from './securityhub-ocsf.ts';
import { normalizeDecodedSet, type SetIssuerIdentity } from './ssf/decoded.ts';

export type { NormalizeResult } from './result.ts';

export interface NormalizeContext {
  /** Sources trusted to publish native detections on the bus; when set, others are refused. */
  trustedNativeSources?: readonly string[];
  /** The Entra tenant assumed when an Entra envelope names none (the configured tenant). */
  entraTenantId?: string;
  /**
   * Issuers whose decoded SETs (`{header, payload}`) may be read, unverified, for pure uses
   * such as `responder attribute`. Without it a decoded SET is refused: SETs that lead to
   * containment arrive signed at `POST /v1/ssf/events`.
   */
  decodedSetIssuers?: readonly SetIssuerIdentity[];
}

/**
 * Recognises the format of one source event and normalizes it into the native detection:
 * an EventBridge envelope (by `source` and `detail-type`), a bare native detection, an Entra
 * envelope, or (opt-in) a decoded SET. An unrecognised payload is invalid, with a message saying
 * what is accepted.
 */
export function normalizeEvent(input: unknown, context: NormalizeContext = {}): NormalizeResult {
  const [format, result] = route(input, context);
  if (result.kind === 'invalid' && result.error instanceof DraftRejectedError) {
    return { ...result, error: locateInSource(result.error, input) };
  }
  if (result.kind !== 'detection') return result;
  const envelope = envelopeProbe.safeParse(input);
  const account = (input as { account?: unknown }).account;
  return {
    ...result,
    sourceFormat: format,
    // A bus event's publisher: its source, and the account EventBridge stamped on it.
    ...(envelope.success
      ? {
          sender: `eventbridge:${envelope.data.source}${typeof account === 'string' ? `@${account}` : ''}`,
        }
      : {}),
  };
}

type Routed = [format: string, result: NormalizeResult];

function route(input: unknown, context: NormalizeContext): Routed {
  if (typeof input === 'string') {
    return [
      'unknown',
      unrecognised(
        input,
        input.split('.').length === 3
          ? 'a compact JWS: Security Event Tokens are verified by the SSF push receiver (POST /v1/ssf/events)'
          : 'a string, not a JSON object',
      ),
    ];
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return ['unknown', unrecognised(input, 'not a JSON object')];
  }
  const envelope = envelopeProbe.safeParse(input);
  if (envelope.success) {
    const { source } = envelope.data;
    const detailType = envelope.data['detail-type'];
    if (detailType === NATIVE_DETAIL_TYPE) {
      return ['native', normalizeNativeEvent(input, context.trustedNativeSources)];
    }
    if (source === GUARDDUTY_SOURCE && detailType === GUARDDUTY_DETAIL_TYPE) {
      return ['guardduty', normalizeGuardDuty(input)];
    }
    if (
      source === SECURITYHUB_SOURCE &&
      (ASFF_DETAIL_TYPES as readonly string[]).includes(detailType)
    ) {
      return ['securityhub-asff', normalizeSecurityHubAsff(input)];
    }
    if (source === SECURITYHUB_SOURCE && detailType === OCSF_DETAIL_TYPE) {
      return ['securityhub-ocsf', normalizeSecurityHubOcsf(input)];
    }
    if (source.startsWith(OKTA_SOURCE_PREFIX) && detailType === OKTA_DETAIL_TYPE) {
      return ['okta', normalizeOkta(input)];
    }
    if (detailType === ENTRA_DETAIL_TYPE) {
      return ['entra', normalizeEntraEvent(input, { entraTenantId: context.entraTenantId })];
    }
    if (detailType === ENTRA_SP_DETAIL_TYPE) {
      return [
        'entra-service-principal',
        normalizeEntraServicePrincipalEvent(input, { entraTenantId: context.entraTenantId }),
      ];
    }
    return [
      'unknown',
      {
        kind: 'invalid',
        rawSha256: rawSha256(input),
        error: new InvalidInputError('source event', [
          {
            path: 'detail-type',
            message: `no normalizer for source '${source}' with detail-type '${detailType}' (accepted: ${ACCEPTED})`,
          },
        ]),
      },
    ];
  }
  if ('detail' in input || 'detail-type' in input) {
    // An EventBridge event whose routing members are missing or malformed: name them.
    const probe = parseWith(envelopeProbe, input, 'EventBridge event (detail-type and source)');
    if (!probe.ok)
      return ['unknown', { kind: 'invalid', rawSha256: rawSha256(input), error: probe.error }];
  }
  if ('schemaVersion' in input || 'detectionId' in input)
    return ['native', normalizeNativeDetection(input)];
  // Before the user envelope: a service principal envelope carries a signIn too.
  if ('servicePrincipalRiskDetection' in input) {
    return [
      'entra-service-principal',
      normalizeEntraServicePrincipalEnvelope(input, { entraTenantId: context.entraTenantId }),
    ];
  }
  if ('riskDetection' in input || 'signIn' in input) {
    return ['entra', normalizeEntraEnvelope(input, { entraTenantId: context.entraTenantId })];
  }
  if ('riskEventType' in input && 'userId' in input) {
    // A bare Graph riskDetection, forwarded without our envelope.
    return ['entra', normalizeEntraRiskDetection(input, { entraTenantId: context.entraTenantId })];
  }
  if ('riskEventType' in input && 'servicePrincipalId' in input) {
    // A bare Graph servicePrincipalRiskDetection.
    return [
      'entra-service-principal',
      normalizeEntraServicePrincipalRisk(input, { entraTenantId: context.entraTenantId }),
    ];
  }
  if ('conditionalAccessStatus' in input && 'userId' in input) {
    return [
      'unknown',
      unrecognised(
        input,
        'an Entra sign-in alone is evidence, not a detection: send it as signIn next to its riskDetection',
      ),
    ];
  }
  if ('header' in input && 'payload' in input) {
    if (!context.decodedSetIssuers) {
      return [
        'unknown',
        unrecognised(
          input,
          'a decoded Security Event Token: SETs are accepted signed, at POST /v1/ssf/events',
        ),
      ];
    }
    return ['ssf', normalizeDecodedSet(input, context.decodedSetIssuers)];
  }
  return [
    'unknown',
    unrecognised(
      input,
      'no detail-type/source, schemaVersion, riskDetection or servicePrincipalRiskDetection member',
    ),
  ];
}

const ACCEPTED = [
  `${NATIVE_DETAIL_TYPE} (any trusted source)`,
  `${GUARDDUTY_SOURCE} / ${GUARDDUTY_DETAIL_TYPE}`,
  `${SECURITYHUB_SOURCE} / ${ASFF_DETAIL_TYPES.join(' | ')} | ${OCSF_DETAIL_TYPE}`,
  `${OKTA_SOURCE_PREFIX}<org>/<name> / ${OKTA_DETAIL_TYPE}`,
  ENTRA_DETAIL_TYPE,
  ENTRA_SP_DETAIL_TYPE,
].join('; ');

function unrecognised(input: unknown, what: string): NormalizeResult {
  return {
    kind: 'invalid',
    rawSha256: rawSha256(input ?? null),
    error: new InvalidInputError('source event', [
      {
        path: '',
        message: `unrecognised format (${what}); expected an EventBridge event (${ACCEPTED}), a native detection (schemaVersion "1"), or an Entra envelope {riskDetection, signIn?} or {servicePrincipalRiskDetection, signIn?}`,
      },
    ]),
  };
}
