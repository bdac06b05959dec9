import { describe, expect, it } from 'vitest';
import { OWNER_ROLES, QUESTIONS } from '../../../shared/domain/accountability.ts';
import { CONTROL_CATALOG } from '../../../shared/domain/controls/catalog.ts';
import { factsRead } from '../../../shared/domain/controls/conditions.ts';
import { FRAMEWORK_REFERENCES } from '../../../shared/domain/controls/frameworks.ts';
import { signalsSchema } from '../../../shared/domain/detection.ts';

const oneSentence = /^[A-Z{].*[.]$/s;
const PLACEHOLDERS = ['{signals}', '{unknown}', '{partner}'];

describe('control catalog', () => {
  it('has at least 17 controls with unique ids', () => {
    const ids = CONTROL_CATALOG.map((c) => c.id);
    expect(ids.length).toBeGreaterThanOrEqual(17);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('names every control <ownerRole>.<kebab-name> matching its owner role', () => {
    for (const control of CONTROL_CATALOG) {
      expect(control.id).toMatch(/^[a-z]+\.[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(control.id.split('.')[0], control.id).toBe(control.ownerRole);
    }
  });

  it('covers all four owner roles and all five questions', () => {
    expect(new Set(CONTROL_CATALOG.map((c) => c.ownerRole))).toEqual(new Set(OWNER_ROLES));
    expect(new Set(CONTROL_CATALOG.map((c) => c.question))).toEqual(new Set(QUESTIONS));
  });

  it.each([
    ['session lifetime', 'iam.session-lifetime'],
    ['long-lived refresh tokens', 'iam.refresh-token-lifetime'],
    ['phishing-resistant MFA', 'iam.phishing-resistant-mfa'],
    ['conditional access', 'iam.conditional-access'],
    ['token binding', 'iam.token-binding'],
    ['privileged identity separation', 'iam.privileged-identity-separation'],
    ['detection of abnormal token use', 'iam.abnormal-token-detection'],
    ['device posture', 'endpoint.device-posture'],
    ['infostealer resistance', 'endpoint.infostealer-resistance'],
    ['browser hardening', 'endpoint.browser-hardening'],
    ['EDR detection of credential theft', 'endpoint.credential-theft-detection'],
    ['step-up for admin actions', 'application.admin-step-up'],
    ['application-side session validation', 'application.session-validation'],
    ['standing privilege', 'application.standing-privilege'],
    ['shared admin sessions', 'application.shared-admin-sessions'],
    ['legacy SSO', 'application.legacy-sso'],
    ['delegated partner trust boundary', 'partner.delegated-trust-boundary'],
    [
      'workload credentials reachable from an interactive session',
      'application.workload-credential-exposure',
    ],
  ])('includes the issue control "%s" as %s', (_, id) => {
    expect(CONTROL_CATALOG.map((c) => c.id)).toContain(id);
  });

  it('puts workload credential exposure under the non-human question, owned by application', () => {
    const control = CONTROL_CATALOG.find(
      (c) => c.id === 'application.workload-credential-exposure',
    );
    expect(control?.question).toBe('non-human');
    expect(control?.ownerRole).toBe('application');
  });

  it('lists exactly the signals its rules read', () => {
    for (const control of CONTROL_CATALOG) {
      const read = new Set([...factsRead(control.failWhen), ...factsRead(control.holdWhen)]);
      expect(new Set(control.signals), control.id).toEqual(read);
      expect(control.signals.length, control.id).toBe(new Set(control.signals).size);
    }
  });

  it('judges every contract signal in at least one control', () => {
    const read = new Set(CONTROL_CATALOG.flatMap((c) => c.signals));
    for (const signal of Object.keys(signalsSchema.shape)) {
      expect(read.has(signal as never), signal).toBe(true);
    }
  });

  it('gives one-sentence guidance and one-sentence reasons using only known placeholders', () => {
    for (const control of CONTROL_CATALOG) {
      expect(control.guidance, control.id).toMatch(oneSentence);
      expect(control.guidance, control.id).not.toMatch(/\.\s/);
      for (const template of Object.values(control.reasons)) {
        expect(template, control.id).toMatch(oneSentence);
        expect(template, control.id).not.toMatch(/\.\s/);
        const used = template.match(/\{[a-z]+\}/g) ?? [];
        for (const placeholder of used) expect(PLACEHOLDERS, control.id).toContain(placeholder);
        if (control.ownerRole !== 'partner')
          expect(template, control.id).not.toContain('{partner}');
      }
      // failed and held reasons name the signals they were decided on
      expect(control.reasons.failed, control.id).toContain('{signals}');
      expect(control.reasons.held, control.id).toContain('{signals}');
      expect(control.reasons.undetermined, control.id).toContain('{unknown}');
    }
  });

  it('cites only checked framework references, OWASP NHI only on non-human controls', () => {
    for (const control of CONTROL_CATALOG) {
      expect(control.frameworks.length, control.id).toBeGreaterThan(0);
      for (const ref of control.frameworks) {
        expect(FRAMEWORK_REFERENCES as readonly string[], control.id).toContain(ref);
        if (ref.startsWith('OWASP NHI'))
          expect(control.question, `${control.id} ${ref}`).toBe('non-human');
      }
      if (control.question === 'non-human') {
        expect(
          control.frameworks.some((ref) => ref.startsWith('OWASP NHI')),
          control.id,
        ).toBe(true);
      }
    }
  });

  it('never cites the references the frameworks brief lists as wrong', () => {
    for (const control of CONTROL_CATALOG) {
      const refs = control.frameworks as readonly string[];
      expect(
        refs.filter((ref) => /800-207 (?!tenet [3-7]$)/.test(ref)),
        control.id,
      ).toEqual([]);
      expect(refs, control.id).not.toContain('OWASP NHI8:2025');
      expect(refs.join(' '), control.id).not.toMatch(/NHI-0?8/);
      // PR.AA-01 alone is not a session-compromise reference
      if (refs.includes('NIST CSF 2.0 PR.AA-01'))
        expect(refs.length, control.id).toBeGreaterThan(1);
    }
  });

  it('keeps the reference list itself in bounds: no GV.RR beyond 04, tenets 3 to 7', () => {
    for (const ref of FRAMEWORK_REFERENCES) {
      const rr = /GV\.RR-(\d+)/.exec(ref);
      if (rr) expect(Number(rr[1])).toBeLessThanOrEqual(4);
      const tenet = /tenet (\d+)/.exec(ref);
      if (tenet) expect(Number(tenet[1])).toBeGreaterThanOrEqual(3);
    }
  });

  it('picks evidence refs by type for every control', () => {
    for (const control of CONTROL_CATALOG) {
      expect(control.evidenceTypes.length, control.id).toBeGreaterThan(0);
    }
  });
});
