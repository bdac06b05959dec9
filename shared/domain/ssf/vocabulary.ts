/**
 * Shared Signals transmitter vocabulary (OpenID SSF 1.0, CAEP 1.0, RISC 1.0; RFC 8935/8936):
 * the URIs receivers match on, spelled once.
 */
const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/';
const RISC = 'https://schemas.openid.net/secevent/risc/event-type/';
const SSF = 'https://schemas.openid.net/secevent/ssf/event-type/';

export const EVENT_TYPES = {
  sessionRevoked: `${CAEP}session-revoked`,
  credentialChange: `${CAEP}credential-change`,
  accountDisabled: `${RISC}account-disabled`,
  accountEnabled: `${RISC}account-enabled`,
} as const;

/** What containment and release can produce: a stream's `events_supported`. */
export const SUPPORTED_EVENT_TYPES: readonly string[] = Object.values(EVENT_TYPES);

/** The stream-control verification event: always delivered, never requested (SSF 1.0 8.1.4). */
export const VERIFICATION_EVENT = `${SSF}verification`;

export const DELIVERY_PUSH = 'urn:ietf:rfc:8935';
export const DELIVERY_POLL = 'urn:ietf:rfc:8936';
export const DELIVERY_METHODS = [DELIVERY_PUSH, DELIVERY_POLL] as const;

export const STREAM_STATUSES = ['enabled', 'paused', 'disabled'] as const;
export type StreamStatus = (typeof STREAM_STATUSES)[number];

/** Subject identifier formats a stream may ask for (RFC 9493 + SSF complex subjects). */
export const SUBJECT_FORMATS = ['complex', 'email', 'iss_sub', 'opaque'] as const;
export type SubjectFormat = (typeof SUBJECT_FORMATS)[number];

/** Management API scopes (contract section 9). */
export const SCOPE_MANAGE = 'ssf.manage';
export const SCOPE_READ = 'ssf.read';
