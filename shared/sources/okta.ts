import * as z from 'zod/mini';
import type { Severity } from '../domain/detection.ts';
import { parseWith } from '../domain/validation.ts';
import { eventBridgeEvent } from './eventbridge.ts';
import { rawSha256 } from './raw.ts';
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
import { fromLevelWord, levelDecreased } from './severity.ts';

/**
 * Okta System Log events from Okta's EventBridge log streaming: `source` is
 * `aws.partner/okta.com/<org subdomain>/<event source name>`, `detail-type` is `SystemLog`,
 * `detail` is the LogEvent. Only session and identity threat events become detections; the
 * log's other events (sign-ins, admin changes...) are ignored.
 */
export const OKTA_SOURCE_PREFIX = 'aws.partner/okta.com/';
export const OKTA_DETAIL_TYPE = 'SystemLog';

interface OktaEventKind {
  product: 'identity-threat-protection' | 'system-log';
  /** Used when the event carries no risk level. */
  defaultSeverity: Severity;
}

/** The event types this normalizer acts on, with the severity used when no risk level is given. */
export const OKTA_THREAT_EVENTS: Readonly<Record<string, OktaEventKind>> = {
  'user.session.context.change': {
    product: 'identity-threat-protection',
    defaultSeverity: 'medium',
  },
  'user.risk.detect': { product: 'identity-threat-protection', defaultSeverity: 'medium' },
  'user.risk.change': { product: 'identity-threat-protection', defaultSeverity: 'medium' },
  'policy.entity_risk.action': { product: 'identity-threat-protection', defaultSeverity: 'high' },
  'policy.auth_reevaluate.fail': {
    product: 'identity-threat-protection',
    defaultSeverity: 'medium',
  },
  // A session cookie presented from another client: the signature of session theft.
  'security.session.detect_client_roaming': { product: 'system-log', defaultSeverity: 'high' },
};

const text = () => z.optional(z.nullable(z.string()));
const actorSchema = z.object({
  id: text(),
  type: text(),
  alternateId: text(),
  displayName: text(),
});

const logEventSchema = z.object({
  uuid: z.string().check(z.minLength(1), z.maxLength(128)),
  published: z.iso.datetime({ offset: true }),
  eventType: z.string().check(z.minLength(1)),
  displayMessage: text(),
  actor: z.optional(z.nullable(actorSchema)),
  target: z.optional(z.nullable(z.array(actorSchema))),
  client: z.optional(
    z.nullable(
      z.object({
        ipAddress: text(),
        userAgent: z.optional(z.nullable(z.object({ rawUserAgent: text() }))),
      }),
    ),
  ),
  device: z.optional(
    z.nullable(z.object({ id: text(), managed: z.optional(z.nullable(z.boolean())) })),
  ),
  authenticationContext: z.optional(z.nullable(z.object({ externalSessionId: text() }))),
  securityContext: z.optional(
    z.nullable(
      z.object({
        asNumber: z.optional(z.nullable(z.number())),
        asOrg: text(),
        isProxy: z.optional(z.nullable(z.boolean())),
      }),
    ),
  ),
  debugContext: z.optional(
    z.nullable(z.object({ debugData: z.optional(z.nullable(z.record(z.string(), z.unknown()))) })),
  ),
  transaction: z.optional(z.nullable(z.object({ id: text() }))),
});

const oktaEventSchema = eventBridgeEvent(logEventSchema);

export function normalizeOkta(input: unknown): NormalizeResult {
  const sha = rawSha256(input);
  const what = 'Okta System Log event';
  const parsed = parseWith(oktaEventSchema, input, what);
  if (!parsed.ok) return { kind: 'invalid', error: parsed.error, rawSha256: sha };
  const event = parsed.value;
  const log = event.detail;
  const sourceEventId = log.uuid;

  const org = oktaOrgOf(event.source);
  if (!org) {
    return invalid(
      what,
      {
        path: 'source',
        message: `expected ${OKTA_SOURCE_PREFIX}<org subdomain>/<event source name>, got '${event.source}'`,
      },
      sha,
    );
  }
  const kind = OKTA_THREAT_EVENTS[log.eventType];
  if (!kind) {
    return ignored(
      `Okta event type ${log.eventType} is not a session or identity threat event`,
      sha,
      sourceEventId,
    );
  }

  const debug = stringsOf(log.debugContext?.debugData);
  const risk = debug.risk ? parseJavaMap(debug.risk) : {};
  if (levelDecreased(risk.previousLevel, risk.level)) {
    return ignored(
      `Okta ${log.eventType}: risk went down from ${risk.previousLevel} to ${risk.level}`,
      sha,
      sourceEventId,
    );
  }
  const user =
    log.target?.find((t) => t.type === 'User' && present(t.id)) ??
    (log.actor?.type === 'User' && present(log.actor.id) ? log.actor : undefined);
  if (!user?.id) {
    return invalid(
      what,
      {
        path: 'detail.target',
        message: `no User target or actor: ${log.eventType} must name a user`,
      },
      sha,
    );
  }

  const riskSeverity = fromLevelWord(risk.level);
  const sessionId =
    present(log.authenticationContext?.externalSessionId) ??
    present(log.target?.find((t) => t.type === 'Session')?.id);
  const ip = present(debug.newIpAddress) ?? present(log.client?.ipAddress);
  const security = log.securityContext;
  const managed = log.device?.managed;

  return finish(
    {
      detectionId: `okta:${log.uuid}`,
      detectedAt: isoUtc(log.published),
      severity: riskSeverity ?? kind.defaultSeverity,
      source: { vendor: 'okta', product: kind.product, ruleId: log.eventType },
      tenant: { provider: 'okta', tenantId: org },
      subject: {
        type: 'user',
        id: user.id,
        userPrincipalName: present(user.alternateId),
        displayName: present(user.displayName),
      },
      session: {
        sessionId,
        deviceId: present(log.device?.id),
        ipAddress: ip,
        userAgent: clip(present(log.client?.userAgent?.rawUserAgent), 1024),
      },
      // The LogEvent's device is the Okta Verify device of the session, when there is one.
      signals: { deviceManaged: typeof managed === 'boolean' ? managed : undefined },
      evidence: compact([
        {
          type: 'okta.systemLog',
          ref: log.uuid,
          description: clip(present(log.displayMessage), 2000),
        },
        present(log.transaction?.id) && {
          type: 'okta.transaction',
          ref: log.transaction?.id ?? '',
        },
        risk.level && {
          type: 'okta.risk',
          ref: risk.level,
          description: clip(risk.reasons ?? risk.detectionName, 2000),
        },
        !riskSeverity && {
          type: 'severity.default',
          ref: kind.defaultSeverity,
          description: `no risk level in the event; ${kind.defaultSeverity} assumed for ${log.eventType}`,
        },
        debug.previousIpAddress &&
          debug.newIpAddress && {
            type: 'network.ipChange',
            ref: `${debug.previousIpAddress} -> ${debug.newIpAddress}`,
          },
        ip && {
          type: 'network.sourceIp',
          ref: ip,
          description: [
            security?.asNumber ? `AS${security.asNumber}` : undefined,
            security?.asOrg,
            security?.isProxy ? 'proxy' : undefined,
          ]
            .filter(Boolean)
            .join(', '),
        },
        debug.behaviors && { type: 'okta.behaviors', ref: clip(debug.behaviors, 2048) ?? '' },
      ]),
    },
    { sourceEventId, rawSha256: sha, what },
  );
}

/** `aws.partner/okta.com/halvorsen-freight/secopsstream` → `halvorsen-freight`. */
export function oktaOrgOf(source: string): string | undefined {
  if (!source.startsWith(OKTA_SOURCE_PREFIX)) return undefined;
  const [org, stream] = source.slice(OKTA_SOURCE_PREFIX.length).split('/');
  return org && stream ? org : undefined;
}

function stringsOf(data: Record<string, unknown> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data ?? {})) {
    if (typeof value === 'string' && value !== '') out[key] = value;
  }
  return out;
}

/**
 * Okta renders some debugData values as Java maps: `{reasons=New ASN, New IP, level=HIGH}`.
 * Values may contain commas, so a value runs until the next `, key=`.
 */
export function parseJavaMap(text: string): Record<string, string> {
  const body = text.trim().replace(/^\{/, '').replace(/\}$/, '');
  const keys = [...body.matchAll(/(?:^|,\s*)([A-Za-z][A-Za-z0-9_]*)=/g)];
  const out: Record<string, string> = {};
  keys.forEach((match, i) => {
    const key = match[1];
    if (!key) return;
    const start = (match.index ?? 0) + match[0].length;
    const end = keys[i + 1]?.index ?? body.length;
    out[key] = body.slice(start, end).trim();
  });
  return out;
}
