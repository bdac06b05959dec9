import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadResponderConfig,
  PROJECT_ROOT,
  SSF_TRANSMITTERS_MAX_CHARS,
} from '../../infra/config.ts';
import { lambdaEnv } from '../../shared/config/lambda-env.ts';
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
    expect(config.ssfTransmitters).toEqual([]);
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
    expect(config.checkpointRetentionDays).toBe(400);
    expect(Object.keys(config)).not.toContain('@aws-cdk/aws-iam:minimizePolicies');
  });

  it('reads `cdk synth -c key=value` strings as integers, JSON arrays and comma lists', () => {
    const config = loadResponderConfig(
      from({
        maxConcurrency: '25',
        trustedSources: 'soar.playbook, tines.alerts',
        tenants: '["395979b2-3921-4e47-adf8-f76fc76c27fc"]',
        graphClientId: '6731de76-14a6-49ae-97bc-6eba6914391e',
        oktaEventSources: '',
        respondProvisionedConcurrency: '2',
      }),
    );
    expect(config.maxConcurrency).toBe(25);
    expect(config.respondProvisionedConcurrency).toBe(2);
    expect(config.graphCredential).toBe('federated');
    expect(config.trustedSources).toEqual(['soar.playbook', 'tines.alerts']);
    expect(config.tenants).toEqual(['395979b2-3921-4e47-adf8-f76fc76c27fc']);
    expect(config.oktaEventSources).toEqual([]);
  });

  it('fails closed by default: no detection publishers and no SOAR callers', () => {
    const config = loadResponderConfig(from({}));
    expect(config.detectionPublisherArns).toEqual([]);
    expect(config.soarCallerRoleArns).toEqual([]);
  });

  it('accepts publisher and SOAR caller role or user ARNs, also as a `-c` comma list', () => {
    const config = loadResponderConfig(
      from({
        detectionPublisherArns:
          'arn:aws:iam::111122223333:role/soar/publisher, arn:aws:iam::111122223333:user/ci',
        soarCallerRoleArns: ['arn:aws-us-gov:iam::111122223333:role/tines'],
      }),
    );
    expect(config.detectionPublisherArns).toEqual([
      'arn:aws:iam::111122223333:role/soar/publisher',
      'arn:aws:iam::111122223333:user/ci',
    ]);
    expect(config.soarCallerRoleArns).toEqual(['arn:aws-us-gov:iam::111122223333:role/tines']);
  });

  it.each([
    [{ maxConcurrency: 1 }, 'maxConcurrency'],
    [
      { tenants: ['395979b2-3921-4e47-adf8-f76fc76c27fc'] },
      'graphClientId: required when graphCredential is federated',
    ],
    [{ graphCredential: 'password' }, 'graphCredential'],
    [{ respondProvisionedConcurrency: -1 }, 'respondProvisionedConcurrency'],
    [
      { respondProvisionedConcurrency: 20, maxConcurrency: 10 },
      'respondProvisionedConcurrency: must not exceed maxConcurrency',
    ],
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
    [{ trustedPrincipals: ['arn:aws:iam::123:root'] }, 'trustedPrincipals[0]'],
    [
      { detectionPublisherArns: ['111122223333'] },
      'detectionPublisherArns[0]: expected an IAM role or user ARN',
    ],
    [
      { detectionPublisherArns: ['arn:aws:iam::111122223333:root'] },
      'detectionPublisherArns[0]: expected an IAM role or user ARN',
    ],
    [
      { soarCallerRoleArns: ['arn:aws:sts::111122223333:assumed-role/soar/session'] },
      'soarCallerRoleArns[0]: expected an IAM role or user ARN',
    ],
    [{ soarCallerRoleArns: 'arn:aws:iam::1:role/x' }, 'soarCallerRoleArns[0]'],
    [{ logRetentionDays: 10 }, 'logRetentionDays: must be one of'],
    [{ checkpointRetentionDays: 0 }, 'checkpointRetentionDays'],
    [{ checkpointRetentionDays: 400.5 }, 'checkpointRetentionDays'],
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

describe('shared-signals transmitters (ssfTransmitters context)', () => {
  const remote = {
    issuer: 'https://transmitter.example',
    audience: 'https://responder.example',
    jwksUri: 'https://transmitter.example/jwks.json',
    provider: 'entra',
    tenantId: '395979b2-3921-4e47-adf8-f76fc76c27fc',
  };
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const inline = {
    issuer: 'https://okta.example',
    audience: ['https://responder.example'],
    jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1' }] },
    provider: 'okta',
    tenantId: 'example',
    algorithms: ['ES256'],
  };

  it('accepts transmitters with a JWKS URL or inline public keys, as the receiver parses them', () => {
    const config = loadResponderConfig(from({ ssfTransmitters: [remote, inline] }));
    expect(config.ssfTransmitters).toEqual([remote, inline]);
  });

  it('reads `cdk synth -c ssfTransmitters=[...]` as JSON', () => {
    const config = loadResponderConfig(from({ ssfTransmitters: JSON.stringify([remote]) }));
    expect(config.ssfTransmitters).toEqual([remote]);
  });

  it.each([
    [[{ ...remote, jwksUri: undefined }], 'ssfTransmitters[0].jwksUri: give exactly one of'],
    [[remote, { ...inline, provider: 'ping' }], 'ssfTransmitters[1].provider'],
    [
      [{ ...remote, jwksUri: 'http://transmitter.example/jwks.json' }],
      'ssfTransmitters[0].jwksUri',
    ],
    [[{ ...remote, algorithms: ['HS256'] }], 'ssfTransmitters[0].algorithms[0]'],
    [[{ ...remote, audience: [] }], 'ssfTransmitters[0].audience'],
    [['https://transmitter.example'], 'ssfTransmitters[0]: '],
    [{ issuer: 'https://transmitter.example' }, 'ssfTransmitters: '],
    ['https://transmitter.example', 'ssfTransmitters: '],
  ])('refuses %j naming the transmitter and field', (ssfTransmitters, expected) => {
    const error = errorOf({ ssfTransmitters });
    expect(error.message).toContain('invalid cdk.json context');
    expect(error.message).toContain(expected);
  });

  it('refuses private or symmetric keys in an inline JWKS', () => {
    const leaked = { ...inline, jwks: { keys: [privateKey.export({ format: 'jwk' })] } };
    expect(errorOf({ ssfTransmitters: [leaked] }).message).toContain(
      'ssfTransmitters[0].jwks.keys: must hold public keys only',
    );
  });

  it('refuses a second transmitter with the same issuer, which the receiver would never pick', () => {
    const error = errorOf({ ssfTransmitters: [remote, inline, { ...remote, tenantId: 'other' }] });
    expect(error.message).toBe(
      'invalid cdk.json context: ssfTransmitters[2].issuer: https://transmitter.example is already ssfTransmitters[0]: one entry per issuer',
    );
  });

  it('refuses transmitters whose JSON does not fit the Lambda variable, saying how to fix it', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({
      ...inline,
      issuer: `https://tx${i}.example`,
    }));
    const length = JSON.stringify(
      loadResponderConfig(from({ ssfTransmitters: many.slice(0, 1) })).ssfTransmitters,
    ).length;
    expect(length * 12).toBeGreaterThan(SSF_TRANSMITTERS_MAX_CHARS);
    expect(errorOf({ ssfTransmitters: many }).message).toMatch(
      /^cdk\.json context ssfTransmitters: \d+ characters of JSON, but intake-api's SSF_TRANSMITTERS variable holds at most 3500: give jwksUri instead of inline jwks, or fewer transmitters$/,
    );
  });

  it('checks the same limit the Lambda configuration enforces', () => {
    const at = (length: number) => () =>
      lambdaEnv({ LEDGER_TABLE_NAME: 'ledger', SSF_TRANSMITTERS: 'x'.repeat(length) });
    expect(at(SSF_TRANSMITTERS_MAX_CHARS)).not.toThrow();
    expect(at(SSF_TRANSMITTERS_MAX_CHARS + 1)).toThrow(/SSF_TRANSMITTERS/);
  });
});
