import { describe, expect, it } from 'vitest';
import { ssfAudiencesFrom } from '../../../shared/config/ssf-audiences.ts';
import { ConfigError } from '../../../shared/domain/errors.ts';

/** ssf-api's cold start: each receiver's configured `aud`, or a refusal naming the variable. */
describe('SSF_AUDIENCES', () => {
  it('maps a receiver token subject to its audience', () => {
    const audiences = ssfAudiencesFrom(
      '{"okta-itp-client":"https://okta.example"}',
      'SSF_AUDIENCES',
    );
    expect(audiences.get('okta-itp-client')).toBe('https://okta.example');
    expect(audiences.get('another-client')).toBeUndefined();
  });

  it('is empty when unset', () => {
    expect(ssfAudiencesFrom(undefined, 'SSF_AUDIENCES').size).toBe(0);
  });

  it.each([
    ['not JSON', '{okta'],
    ['a list', '["https://okta.example"]'],
    ['an empty audience', '{"okta-itp-client":""}'],
  ])('refuses %s, naming the variable', (_, text) => {
    expect(() => ssfAudiencesFrom(text, 'SSF_AUDIENCES')).toThrow(ConfigError);
    expect(() => ssfAudiencesFrom(text, 'SSF_AUDIENCES')).toThrow(/^SSF_AUDIENCES/);
  });
});
