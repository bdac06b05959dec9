import { describe, expect, it } from 'vitest';
import { oktaConfigFromEnv, parseOktaConfig } from '../../../shared/adapters/okta/config.ts';

const KEY = '-----BEGIN PRIVATE KEY-----\nsimulated\n-----END PRIVATE KEY-----';
const readKey = (path: string) => {
  if (path !== '/keys/okta.pem') throw new Error('ENOENT');
  return KEY;
};

describe('Okta configuration from the environment (contract section 8)', () => {
  it('is absent when no OKTA_* credential is set (the simulated org runs)', () => {
    expect(oktaConfigFromEnv({}, readKey)).toBeUndefined();
  });

  it('reads a service app and defaults the tenant to the first label of the org host', () => {
    const config = oktaConfigFromEnv(
      {
        OKTA_ORG_URL: 'https://quillonbio.okta.com/',
        OKTA_CLIENT_ID: '0oaApp',
        OKTA_PRIVATE_KEY_PATH: '/keys/okta.pem',
        OKTA_KEY_ID: 'kid-1',
      },
      readKey,
    );
    expect(config?.orgs).toEqual([
      {
        tenantId: 'quillonbio',
        orgUrl: 'https://quillonbio.okta.com',
        clientId: '0oaApp',
        privateKey: KEY,
        keyId: 'kid-1',
      },
    ]);
  });

  it('takes OKTA_TENANT_ID and the SSWS fallback', () => {
    const config = oktaConfigFromEnv(
      {
        OKTA_ORG_URL: 'https://x.okta.com',
        OKTA_API_TOKEN: 'tok',
        OKTA_TENANT_ID: 'halvorsen-freight',
      },
      readKey,
    );
    expect(config?.orgs[0]).toEqual({
      tenantId: 'halvorsen-freight',
      orgUrl: 'https://x.okta.com',
      apiToken: 'tok',
    });
  });

  it.each([
    [{ OKTA_CLIENT_ID: '0oa' }, /OKTA_ORG_URL, OKTA_PRIVATE_KEY_PATH/],
    [{ OKTA_ORG_URL: 'https://x.okta.com', OKTA_CLIENT_ID: '0oa' }, /OKTA_PRIVATE_KEY_PATH/],
    [
      { OKTA_ORG_URL: 'https://x.okta.com', OKTA_API_TOKEN: 't', OKTA_CLIENT_ID: '0oa' },
      /not both/,
    ],
    [{ OKTA_ORG_URL: 'http://x.okta.com', OKTA_API_TOKEN: 't' }, /OKTA_ORG_URL/],
    [
      {
        OKTA_ORG_URL: 'https://x.okta.com',
        OKTA_CLIENT_ID: '0oa',
        OKTA_PRIVATE_KEY_PATH: '/missing',
      },
      /OKTA_PRIVATE_KEY_PATH: cannot read/,
    ],
  ])('refuses %j naming the variable, never a secret', (env, message) => {
    expect(() => oktaConfigFromEnv(env, readKey)).toThrow(message);
    try {
      oktaConfigFromEnv(env, readKey);
    } catch (error) {
      expect(String(error)).not.toContain(KEY);
    }
  });

  it('refuses the same org twice in a several-org configuration', () => {
    const org = { tenantId: 'a', orgUrl: 'https://a.okta.com', apiToken: 't' };
    expect(() => parseOktaConfig({ orgs: [org, org] })).toThrow(/once/);
  });
});
