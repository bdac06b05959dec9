import type { Severity, Signals, Subject } from '../../domain/detection.ts';
import { sha256Hex } from '../raw.ts';
import {
  clip,
  compact,
  finish,
  ignored,
  isoFromEpochSeconds,
  type NormalizeResult,
  present,
} from '../result.ts';
import { fromLevelWord, levelDecreased } from '../severity.ts';
import { onlyEvent, type SetClaims, type SimpleSubject, subjectIdSchema } from './claims.ts';
import type { SsfTransmitter } from './transmitter.ts';

const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/';
const RISC = 'https://schemas.openid.net/secevent/risc/event-type/';
const SSF = 'https://schemas.openid.net/secevent/ssf/event-type/';

type Decision =
  | { act: true; severity: Severity; signals?: Signals; detail?: string }
  | { act: false; reason: string };

type Rule = (event: Record<string, unknown>) => Decision;

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * What each CAEP / RISC event means for a stolen-session responder. Events that lower risk or
 * only inform (session established, risk went down, device became compliant) are ignored.
 */
const RULES: Readonly<Record<string, Rule>> = {
  [`${CAEP}session-revoked`]: () => ({ act: true, severity: 'high' }),
  [`${RISC}sessions-revoked`]: () => ({
    act: true,
    severity: 'high',
    detail: 'deprecated RISC event',
  }),
  [`${CAEP}credential-change`]: (e) => {
    const change = str(e.change_type);
    return {
      act: true,
      severity: change === 'revoke' ? 'medium' : 'low',
      detail: `${str(e.credential_type) ?? 'credential'} ${change ?? 'changed'}`,
    };
  },
  [`${CAEP}token-claims-change`]: () => ({ act: true, severity: 'low' }),
  [`${CAEP}assurance-level-change`]: (e) =>
    str(e.change_direction) === 'decrease'
      ? {
          act: true,
          severity: 'low',
          detail: `assurance ${str(e.previous_level)} -> ${str(e.current_level)}`,
        }
      : { act: false, reason: 'assurance level did not decrease' },
  [`${CAEP}device-compliance-change`]: (e) =>
    str(e.current_status) === 'not-compliant'
      ? { act: true, severity: 'medium', signals: { deviceCompliant: false } }
      : { act: false, reason: 'device became compliant' },
  [`${CAEP}risk-level-change`]: (e) => {
    const principal = str(e.principal)?.toUpperCase();
    if (principal && principal !== 'USER' && principal !== 'SESSION') {
      return { act: false, reason: `risk concerns a ${principal}, not a user or session` };
    }
    const current = str(e.current_level);
    if (levelDecreased(str(e.previous_level), current)) {
      return { act: false, reason: `risk went down from ${str(e.previous_level)} to ${current}` };
    }
    const severity = fromLevelWord(current);
    return severity
      ? { act: true, severity, detail: str(e.risk_reason) }
      : { act: false, reason: `risk level '${current}' is not LOW, MEDIUM or HIGH` };
  },
  [`${RISC}credential-compromise`]: (e) => ({
    act: true,
    severity: 'high',
    detail: str(e.credential_type),
  }),
  [`${RISC}account-disabled`]: (e) => ({
    act: true,
    severity: str(e.reason) === 'hijacking' ? 'high' : 'medium',
    detail: str(e.reason) ? `reason: ${str(e.reason)}` : undefined,
  }),
  [`${RISC}account-credential-change-required`]: () => ({ act: true, severity: 'medium' }),
};

const INFORMATIONAL = [
  `${CAEP}session-established`,
  `${CAEP}session-presented`,
  `${RISC}account-enabled`,
  `${RISC}account-purged`,
  `${RISC}identifier-changed`,
  `${RISC}identifier-recycled`,
  `${RISC}recovery-activated`,
  `${RISC}recovery-information-changed`,
  `${RISC}opt-in`,
  `${RISC}opt-out-initiated`,
  `${RISC}opt-out-cancelled`,
  `${RISC}opt-out-effective`,
  `${SSF}verification`,
  `${SSF}stream-updated`,
];

/** The SET's `sub_id`, or (RISC before SSF 1.0) the event's own `subject`. */
function subjectIdOf(claims: SetClaims, event: Record<string, unknown>) {
  if (claims.sub_id) return claims.sub_id;
  const legacy = subjectIdSchema.safeParse(event.subject);
  return legacy.success ? legacy.data : undefined;
}

/** The tenant the SET names (complex subject `tenant` member), if any. */
export function setTenantOf(claims: SetClaims): string | undefined {
  const tenant = subjectIdOf(claims, onlyEvent(claims).body)?.tenant;
  return tenant ? identifierOf(tenant)?.id : undefined;
}

/**
 * Maps a verified SET to a detection. `verified: false` (a decoded SET read for a pure
 * `attribute` run) is stated in the evidence.
 */
export function setToDetection(
  claims: SetClaims,
  transmitter: Pick<SsfTransmitter, 'provider' | 'tenantId' | 'vendor'>,
  rawSha256: string,
  options: { verified: boolean },
): NormalizeResult {
  const { type, body } = onlyEvent(claims);
  const sourceEventId = claims.jti;
  const rule = RULES[type];
  if (!rule) {
    const why = INFORMATIONAL.includes(type)
      ? 'is informational'
      : 'is not an event this responder acts on';
    return ignored(`SET event ${type} ${why}`, rawSha256, sourceEventId);
  }
  const decision = rule(body);
  if (!decision.act)
    return ignored(`SET event ${type}: ${decision.reason}`, rawSha256, sourceEventId);

  const subjectId = subjectIdOf(claims, body);
  const user = subjectId ? userOf(subjectId) : undefined;
  if (!user) {
    return ignored(
      `SET event ${type} names no user (subject ${describe(subjectId)}): nothing to contain`,
      rawSha256,
      sourceEventId,
    );
  }
  const session = subjectId?.session ? identifierOf(subjectId.session)?.id : undefined;
  const device = subjectId?.device ? identifierOf(subjectId.device)?.id : undefined;
  const eventTime = typeof body.event_timestamp === 'number' ? body.event_timestamp : undefined;
  const family = type.startsWith(RISC) ? 'risc' : 'caep';
  const reason = reasonText(body.reason_admin);

  return finish(
    {
      detectionId: `ssf:${sha256Hex(claims.iss).slice(0, 16)}:${claims.jti}`,
      detectedAt: isoFromEpochSeconds(
        eventTime !== undefined && Number.isFinite(eventTime) && eventTime > 0
          ? eventTime
          : claims.iat,
      ),
      severity: decision.severity,
      source: { vendor: transmitter.vendor, product: family, ruleId: type },
      tenant: { provider: transmitter.provider, tenantId: transmitter.tenantId },
      subject: user,
      session: { sessionId: session, deviceId: device },
      signals: decision.signals,
      evidence: compact([
        {
          type: 'ssf.set',
          ref: claims.jti,
          description: clip(`issuer ${claims.iss}${claims.txn ? `, txn ${claims.txn}` : ''}`, 2000),
        },
        !options.verified && {
          type: 'ssf.signature',
          ref: 'not-verified',
          description: 'decoded SET read without signature verification; not for containment',
        },
        claims.txn && { type: 'ssf.txn', ref: claims.txn },
        reason && { type: 'ssf.reasonAdmin', ref: clip(reason, 2048) ?? '' },
        str(body.initiating_entity) && {
          type: 'ssf.initiatingEntity',
          ref: str(body.initiating_entity) ?? '',
        },
        decision.detail && { type: `${family}.detail`, ref: clip(decision.detail, 2048) ?? '' },
      ]),
    },
    { sourceEventId, rawSha256, what: 'Security Event Token' },
  );
}

type Identifier = { id: string; email?: string };

/** The usable identifier of a simple subject (RFC 9493), by format. */
function identifierOf(subject: SimpleSubject): Identifier | undefined {
  switch (subject.format) {
    case 'iss_sub':
      return present(subject.sub) ? { id: subject.sub as string } : undefined;
    case 'opaque':
      return present(subject.id) ? { id: subject.id as string } : undefined;
    case 'email':
      return present(subject.email)
        ? { id: subject.email as string, email: subject.email }
        : undefined;
    case 'account': {
      const account = present(subject.uri)?.replace(/^acct:/, '');
      return account ? { id: account, email: account } : undefined;
    }
    case 'aliases':
      for (const alias of subject.identifiers ?? []) {
        const found = identifierOf(alias);
        if (found) return found;
      }
      return undefined;
    default:
      return undefined; // phone_number, did, uri... do not name an account we can contain
  }
}

function userOf(subjectId: NonNullable<SetClaims['sub_id']>): Subject | undefined {
  const simple = subjectId.format === 'complex' ? subjectId.user : subjectId;
  if (!simple) return undefined;
  const found = identifierOf(simple);
  if (!found) return undefined;
  return { type: 'user', id: found.id, userPrincipalName: found.email };
}

function describe(subjectId: SetClaims['sub_id'] | undefined): string {
  if (!subjectId) return 'missing';
  if (subjectId.format !== 'complex') return `format ${subjectId.format}`;
  const members = [
    'user',
    'session',
    'device',
    'tenant',
    'application',
    'org_unit',
    'group',
  ].filter((m) => m in subjectId);
  return `complex: ${members.join(', ') || 'no members'}`;
}

/** `reason_admin` is a map of language tags to text; English first. */
function reasonText(reason: unknown): string | undefined {
  if (typeof reason === 'string') return reason;
  if (!reason || typeof reason !== 'object') return undefined;
  const texts = reason as Record<string, unknown>;
  return str(texts.en) ?? Object.values(texts).find((v): v is string => typeof v === 'string');
}
