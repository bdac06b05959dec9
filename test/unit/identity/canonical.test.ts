import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  awsProtectedCovers,
  canonicalSubjectId,
  canonicalTenantId,
} from '../../../shared/domain/identity.ts';

const TENANT = '395979b2-3921-4e47-adf8-f76fc76c27fc';
const USER = '0b7a9c2e-5d1f-4e3a-9c6b-8f2d1e0a7b51';

/** Every upper/lower-case variant a sender could produce, drawn at random. */
const caseVariant = (text: string) =>
  fc
    .array(fc.boolean(), { minLength: text.length, maxLength: text.length })
    .map((flags) => [...text].map((c, i) => (flags[i] ? c.toUpperCase() : c)).join(''));

describe('canonicalTenantId', () => {
  it('gives every letter case of an Entra tenant id the one lower-case id', () => {
    fc.assert(
      fc.property(caseVariant(TENANT), (spelling) => {
        expect(canonicalTenantId('entra', spelling)).toEqual({ ok: true, value: TENANT });
      }),
    );
  });

  it.each([
    ['entra', 'contoso.onmicrosoft.com', 'an Entra tenant id is a GUID'],
    ['entra', `${TENANT}\u0000`, 'control character'],
    ['aws', '41829573016', '12 digits'],
    ['aws', '4182957301640', '12 digits'],
    ['okta', 'quillon bio', 'Okta org'],
    ['okta', '\ud800quillonbio', 'lone surrogate'],
  ] as const)('refuses %s tenant %j, naming the field', (provider, raw, message) => {
    const result = canonicalTenantId(provider, raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.issues[0]?.path).toBe('tenant.tenantId');
    expect(result.error.message).toContain(message);
  });

  it.each([
    ['aws', '418295730164', '418295730164'],
    ['okta', 'QuillonBio', 'quillonbio'],
    ['okta', 'QuillonBio.Okta.com', 'quillonbio.okta.com'],
  ] as const)('canonicalizes %s tenant %j to %j', (provider, raw, canonical) => {
    expect(canonicalTenantId(provider, raw)).toEqual({ ok: true, value: canonical });
  });
});

describe('canonicalSubjectId', () => {
  it('gives every letter case of an object id, a UPN or a mail address one canonical form', () => {
    for (const name of [USER, 'BreakGlass-01@HalvorsenFreight.example']) {
      fc.assert(
        fc.property(caseVariant(name), (spelling) => {
          expect(canonicalSubjectId('entra', 'user', spelling)).toEqual({
            ok: true,
            value: name.toLowerCase(),
          });
        }),
      );
    }
  });

  it.each([
    ['entra', 'user', 'user-1', 'object id (GUID), UPN or mail'],
    ['entra', 'servicePrincipal', 'app@contoso.example', 'object id (GUID)'],
    ['entra', 'user', `a${'\ud800'}@x.example`, 'lone surrogate'],
    ['entra', 'user', 'a\u0007@x.example', 'control character'],
    ['aws', 'awsPrincipal', 'AKIAIOSFODNN7EXAMPLE', 'ARN'],
    ['aws', 'awsPrincipal', 'arn:aws:iam::4182957301:role/x', 'ARN'],
    ['okta', 'user', '00u1 {abc}', 'Okta user'],
  ] as const)('refuses a %s %s named %j', (provider, type, raw, message) => {
    const result = canonicalSubjectId(provider, type, raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain(message);
  });

  it('keeps Okta ids as issued and lower-cases logins', () => {
    expect(canonicalSubjectId('okta', 'user', '00unncgl0k9KaBdRpL3L')).toEqual({
      ok: true,
      value: '00unncgl0k9KaBdRpL3L',
    });
    expect(canonicalSubjectId('okta', 'user', 'Kari@Quillon.example')).toEqual({
      ok: true,
      value: 'kari@quillon.example',
    });
  });

  it('lower-cases the partition and service of an AWS ARN, not the names IAM prints', () => {
    expect(
      canonicalSubjectId('aws', 'awsPrincipal', 'ARN:AWS:STS::418295730164:assumed-role/Ops/s1'),
    ).toEqual({ ok: true, value: 'arn:aws:sts::418295730164:assumed-role/Ops/s1' });
  });
});

describe('awsProtectedCovers', () => {
  const role = 'arn:aws:iam::418295730164:role/ops/BreakGlass';
  const user = 'arn:aws:iam::418295730164:user/svc-admin';
  it.each([
    [role, 'arn:aws:sts::418295730164:assumed-role/BreakGlass/alice', true],
    [role, 'arn:aws:sts::418295730164:assumed-role/breakglass/any-session', true],
    [role, 'arn:aws:iam::418295730164:role/BreakGlass', true],
    [role, 'arn:aws:sts::111122223333:assumed-role/BreakGlass/alice', false],
    [role, 'arn:aws:sts::418295730164:assumed-role/BreakGlassNot/alice', false],
    [role, 'arn:aws:iam::418295730164:user/BreakGlass', false],
    [user, 'arn:aws:iam::418295730164:user/SVC-ADMIN', true],
    ['BreakGlass', 'arn:aws:sts::418295730164:assumed-role/BreakGlass/s', true],
  ])('%s covers %s: %s', (entry, subject, covered) => {
    expect(awsProtectedCovers(entry, subject)).toBe(covered);
  });
});
