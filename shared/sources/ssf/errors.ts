/** RFC 8935 section 2.4 error codes (IANA "Security Event Token Error Codes"). */
const SET_ERROR_CODES = [
  'invalid_request', // not a SET, or an event that does not conform to its definition
  'invalid_key', // the signing key is unknown or unacceptable
  'invalid_issuer', // the issuer is not a transmitter configured for this receiver
  'invalid_audience', // the SET is addressed to another receiver
  'authentication_failed', // the signature does not prove the transmitter sent it
  'access_denied', // the transmitter may not send this SET here (e.g. another tenant)
] as const;
export type SetErrorCode = (typeof SET_ERROR_CODES)[number];

/** The body of a 400 answer: `{"err": "...", "description": "..."}`. */
export interface SetError {
  err: SetErrorCode;
  description: string;
}

export function setError(err: SetErrorCode, description: string): SetError {
  return { err, description };
}
