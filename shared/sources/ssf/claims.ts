import * as z from 'zod/mini';

/**
 * The claims of a Security Event Token under the SSF 1.0 profile (RFC 8417 + SSF section 4):
 * `iss`, `aud`, `iat`, `jti`, optional `txn`, the subject in `sub_id` (RFC 9493), exactly one
 * event in `events`, and neither `sub` nor `exp`.
 */

const text = () => z.optional(z.string().check(z.maxLength(1024)));

/** RFC 9493 subject identifier members we read (formats: opaque, email, iss_sub, account...). */
const simpleSubjectFields = {
  format: z.string(),
  id: text(),
  email: text(),
  iss: text(),
  sub: text(),
  uri: text(),
  phone_number: text(),
};

const simpleSubjectSchema = z.object({
  ...simpleSubjectFields,
  identifiers: z.optional(z.array(z.object(simpleSubjectFields)).check(z.maxLength(20))),
});

export const subjectIdSchema = z.object({
  ...simpleSubjectFields,
  identifiers: z.optional(z.array(z.object(simpleSubjectFields)).check(z.maxLength(20))),
  // Complex subject members (SSF section 3.2).
  user: z.optional(simpleSubjectSchema),
  session: z.optional(simpleSubjectSchema),
  device: z.optional(simpleSubjectSchema),
  tenant: z.optional(simpleSubjectSchema),
  application: z.optional(simpleSubjectSchema),
  org_unit: z.optional(simpleSubjectSchema),
  group: z.optional(simpleSubjectSchema),
});

export type SimpleSubject = z.infer<typeof simpleSubjectSchema>;

export const setClaimsSchema = z.object({
  iss: z.string().check(z.minLength(1)),
  aud: z.union([z.string(), z.array(z.string())]),
  iat: z.number().check(z.int(), z.gte(0)),
  jti: z.string().check(z.minLength(1), z.maxLength(256)),
  txn: z.optional(z.string().check(z.maxLength(256))),
  sub_id: z.optional(subjectIdSchema),
  events: z
    .record(z.string(), z.record(z.string(), z.unknown()))
    .check(
      z.refine(
        (events) => Object.keys(events).length === 1,
        'SSF requires exactly one event per SET',
      ),
    ),
  sub: z.optional(z.never('SSF forbids the sub claim: the subject goes in sub_id')),
  exp: z.optional(z.never('SSF forbids the exp claim in a SET')),
});

export type SetClaims = z.infer<typeof setClaimsSchema>;

/** The single event of a valid SET. */
export function onlyEvent(claims: SetClaims): { type: string; body: Record<string, unknown> } {
  const [type, body] = Object.entries(claims.events)[0] ?? ['', {}];
  return { type, body };
}
