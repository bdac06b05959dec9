import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadResponderConfig, PROJECT_ROOT } from '../../infra/config.ts';
import { ConfigError } from '../../shared/domain/errors.ts';
import { cdkJsonContext } from './support.ts';

const from = (context: Record<string, unknown>) => (key: string) => context[key];
const scratch = mkdtempSync(join(tmpdir(), 'responder-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function shipped(file: string): unknown {
  return JSON.parse(readFileSync(join(PROJECT_ROOT, 'shared/config', file), 'utf8'));
}

function errorOf(context: Record<string, unknown>): ConfigError {
  try {
    loadResponderConfig(from(context));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('deployment configuration (cdk.json context)', () => {
  it('defaults to the shipped files and a bounded respond concurrency when context is empty', () => {
    const config = loadResponderConfig(from({}));
    expect(config.trustedSources).toEqual(['soar.playbook']);
    expect(config.oktaEventSources).toEqual([]);
    expect(config.maxConcurrency).toBe(10);
    expect(config.graphBaseUrl).toBe('https://graph.microsoft.com');
    expect(config.embedded.ownership).toEqual(shipped('ownership.default.json'));
    expect(config.embedded.ticketSla).toEqual(shipped('ticket-sla.default.json'));
    expect(config.embedded.policy.blastRadius).toEqual(
      (shipped('containment-policy.default.json') as { blastRadius: unknown }).blastRadius,
    );
  });

  it('accepts the context shipped in cdk.json, ignoring CDK feature flags', () => {
    const config = loadResponderConfig(from(cdkJsonContext()));
    expect(config.maxConcurrency).toBe(10);
    expect(config.logRetentionDays).toBe(90);
    expect(Object.keys(config)).not.toContain('@aws-cdk/aws-iam:minimizePolicies');
  });

  it('reads `cdk synth -c key=value` strings as integers, JSON arrays and comma lists', () => {
    const config = loadResponderConfig(
      from({
        maxConcurrency: '25',
        trustedSources: 'soar.playbook, tines.alerts',
        tenants: '["395979b2-3921-4e47-adf8-f76fc76c27fc"]',
        oktaEventSources: '',
      }),
    );
    expect(config.maxConcurrency).toBe(25);
    expect(config.trustedSources).toEqual(['soar.playbook', 'tines.alerts']);
    expect(config.tenants).toEqual(['395979b2-3921-4e47-adf8-f76fc76c27fc']);
    expect(config.oktaEventSources).toEqual([]);
  });

  it.each([
    [{ maxConcurrency: 1 }, 'maxConcurrency'],
    [{ maxConcurrency: 'many' }, 'maxConcurrency'],
    [{ trustedSources: ['aws.guardduty'] }, 'trustedSources[0]: sources starting with aws.'],
    [
      { trustedSources: ['revocation-responder'] },
      "trustedSources[0]: revocation-responder is the responder's own source",
    ],
    [{ trustedSources: [] }, 'trustedSources'],
    [
      { oktaEventSources: ['okta.com/acme'] },
      'oktaEventSources[0]: expected aws.partner/okta.com/',
    ],
    [{ tenants: ['contoso.onmicrosoft.com'] }, 'tenants[0]: expected an Entra tenant id'],
    [{ graphBaseUrl: 'http://graph.microsoft.com' }, 'graphBaseUrl'],
    [
      { entraAuthorityHost: 'https://login.microsoftonline.com/common' },
      'entraAuthorityHost: must be an https origin',
    ],
    [{ alarmEmail: 'soc' }, 'alarmEmail'],
    [
      { alarmEmail: 'soc@example.com', alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:soc' },
      'alarmTopicArn: give alarmEmail or alarmTopicArn, not both',
    ],
    [
      { ssfIssuer: 'https://tx.example' },
      'ssfJwksUrl: ssfIssuer, ssfAudience and ssfJwksUrl go together',
    ],
    [{ trustedPrincipals: ['arn:aws:iam::123:root'] }, 'trustedPrincipals[0]'],
    [{ logRetentionDays: 10 }, 'logRetentionDays: must be one of'],
    [
      { wafWebAclArn: 'arn:aws:wafv2:us-east-1:111122223333:global/webacl/x/1' },
      'wafWebAclArn: expected a REGIONAL',
    ],
  ])('refuses %j naming the context key', (context, expected) => {
    const error = errorOf(context);
    expect(error.message).toContain('invalid cdk.json context');
    expect(error.message).toContain(expected);
  });

  it('names the context key and the file when a config file cannot be read', () => {
    const error = errorOf({ ownershipMapPath: 'shared/config/missing.json' });
    expect(error.message).toBe(
      'cdk.json context ownershipMapPath (shared/config/missing.json): cannot read a JSON file (ENOENT)',
    );
  });

  it('names the context key, the file and the field when a config file is invalid', () => {
    const policy = shipped('containment-policy.default.json') as Record<string, unknown>;
    const path = join(scratch, 'policy.json');
    writeFileSync(
      path,
      JSON.stringify({ ...policy, blastRadius: { maxContainments: 0, windowSeconds: 60 } }),
    );
    const error = errorOf({ containmentPolicyPath: path });
    expect(error.message).toContain(`cdk.json context containmentPolicyPath (${path})`);
    expect(error.message).toContain('blastRadius.maxContainments');
  });

  it('refuses a config file that is not JSON', () => {
    const path = join(scratch, 'sla.json');
    writeFileSync(path, 'critical: 24h');
    expect(errorOf({ ticketSlaPath: path }).message).toMatch(
      /^cdk\.json context ticketSlaPath \(.+sla\.json\): cannot read a JSON file \(.+\)$/,
    );
  });
});
