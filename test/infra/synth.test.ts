import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionBundleSizes } from '../../infra/bundle-sizes.ts';
import { PROJECT_ROOT } from '../../infra/config.ts';
import { ssfTransmittersFrom } from '../../shared/config/ssf-transmitters.ts';
import { matchesPattern } from './event-pattern.ts';
import {
  type CfnResource,
  cdkJsonContext,
  environmentOf,
  logicalIdOf,
  type PolicyStatement,
  refersTo,
  statementsOfRole,
} from './support.ts';

/**
 * Runs `infra/app.ts` the way `cdk synth` does (CDK_OUTDIR, CDK_CONTEXT_JSON), with real local
 * esbuild bundling of every function and the AwsSolutions checks registered on the app (an
 * unacknowledged finding fails the synth). No CLI: nothing here can reach the network (the CLI
 * looks for notices and credentials). The context turns every optional feature on, and the
 * fully configured deployment's assertions read the template this one synth writes.
 * Bundle size budgets are the benchmark's business (`node infra/bundle-sizes.ts cdk.out`).
 */

const OKTA = 'aws.partner/okta.com/halvorsen-freight/secopsstream';
const PARTNER_ACCOUNT = '222233334444';
const AUDITOR = 'arn:aws:iam::111122223333:role/ExternalAuditor';
const TENANT = '395979b2-3921-4e47-adf8-f76fc76c27fc';
const WEB_ACL = 'arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/responder/0a1b';
const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const TRANSMITTERS = [
  {
    issuer: 'https://transmitter.example',
    audience: 'https://responder.halvorsenfreight.example',
    jwksUri: 'https://transmitter.example/jwks.json',
    provider: 'entra',
    tenantId: TENANT,
  },
  {
    issuer: 'https://okta.halvorsenfreight.example',
    audience: ['https://responder.halvorsenfreight.example'],
    jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' }] },
    provider: 'okta',
    tenantId: 'halvorsen-freight',
    algorithms: ['ES256'],
    maxAgeSeconds: 3600,
  },
];
const FULLY_CONFIGURED = {
  ...cdkJsonContext(),
  trustedSources: ['soar.playbook', 'halvorsen.soar'],
  trustedPrincipals: [PARTNER_ACCOUNT],
  oktaEventSources: [OKTA],
  tenants: [TENANT],
  alarmEmail: 'soc@halvorsenfreight.example',
  ssfTransmitters: TRANSMITTERS,
  auditorPrincipals: [AUDITOR],
  wafWebAclArn: WEB_ACL,
  // As `cdk synth -c maxConcurrency=25` passes it.
  maxConcurrency: '25',
};

const outdirs: string[] = [];
function runApp(context: Record<string, unknown>): {
  outdir: string;
  run: SpawnSyncReturns<string>;
} {
  const outdir = mkdtempSync(join(tmpdir(), 'responder-synth-'));
  outdirs.push(outdir);
  const run = spawnSync(process.execPath, [join(PROJECT_ROOT, 'infra/app.ts')], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify(context),
    },
    encoding: 'utf8',
  });
  return { outdir, run };
}

let outdir: string;
let run: SpawnSyncReturns<string>;
let template: Template;
beforeAll(() => {
  ({ outdir, run } = runApp(FULLY_CONFIGURED));
  if (run.status !== 0) throw new Error(`the app did not synthesize: ${run.stderr.slice(-2000)}`);
  template = Template.fromJSON(
    JSON.parse(readFileSync(join(outdir, 'RevocationResponder.template.json'), 'utf8')),
  );
});
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

function bundles(): Map<string, string> {
  const byFunction = new Map<string, string>();
  for (const [id, resource] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
    const code = (resource as CfnResource).Properties.Code as { S3Key?: string };
    const hash = code.S3Key?.replace(/\.zip$/, '');
    byFunction.set(id.replace(/[0-9A-F]{8}$/, ''), join(outdir, `asset.${hash}`, 'index.mjs'));
  }
  return byFunction;
}

function fixture(path: string): unknown {
  return JSON.parse(readFileSync(join(PROJECT_ROOT, 'test/fixtures', path), 'utf8'));
}

function functionEnv(path: string): Record<string, unknown> {
  return environmentOf(template, logicalIdOf(template, 'AWS::Lambda::Function', path));
}

describe('synthesizing the app', () => {
  it('synthesizes with every function bundled and cdk-nag satisfied', () => {
    expect(run.stderr).not.toMatch(/ERROR|Error:/);
    expect(run.status).toBe(0);
    expect([...bundles().keys()].sort()).toEqual([
      'AuditorApiLedgerApi',
      'CheckpointFunction',
      'ContainmentRelease',
      'ContainmentRespond',
      'ContainmentWatchFunction',
      'IntakeIntakeApi',
      'TicketsOpenTickets',
    ]);
  });

  it('bundles each function into one ES module with the require shim', () => {
    for (const [name, file] of bundles()) {
      const head = readFileSync(file, 'utf8').slice(0, 200);
      expect(head, name).toMatch(/^import \{ createRequire as __responderCreateRequire \}/);
    }
  });

  it("bundles the environment-only credentials provider, not the SDK's whole chain", () => {
    for (const [name, file] of bundles()) {
      const code = readFileSync(file, 'utf8');
      expect(code, name).toContain('only reads credentials from the Lambda environment');
      // The stock chain's log lines, one per link.
      expect(code, name).not.toContain('defaultProvider::fromSSO');
      expect(code, name).not.toContain('defaultProvider::fromIni');
    }
  });

  it('measures every function bundle from the assembly', () => {
    const sizes = functionBundleSizes(outdir);
    expect(Object.keys(sizes).sort()).toEqual([...bundles().keys()].sort());
    for (const [name, bytes] of Object.entries(sizes)) expect(bytes, name).toBeGreaterThan(0);
  });

  it('stops before synthesizing anything when the context is invalid, naming the key', () => {
    const bad = runApp({ ...cdkJsonContext(), maxConcurrency: 1 });
    expect(bad.run.status).toBe(1);
    expect(bad.run.stderr.trim()).toBe(
      'revocation-responder: invalid cdk.json context: maxConcurrency: Too small: expected number to be >=2',
    );
  });
});

describe('a fully configured deployment', () => {
  it('associates the Okta partner event source with its bus, named after the source', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { EventSourceName: OKTA, Name: OKTA });
  });

  it('listens to Okta ITP events on the partner event bus and leaves ordinary sign-ins', () => {
    const partnerBus = Object.entries(template.findResources('AWS::Events::EventBus')).find(
      ([, bus]) => (bus as CfnResource).Properties.EventSourceName === OKTA,
    )?.[0] as string;
    const [rule, ...others] = Object.values(template.findResources('AWS::Events::Rule')).filter(
      (r) => refersTo((r as CfnResource).Properties.EventBusName, partnerBus),
    ) as CfnResource[];
    expect(others).toEqual([]);
    const pattern = rule?.Properties.EventPattern as Record<string, unknown>;
    expect(pattern.source).toEqual([OKTA]);
    expect(pattern['detail-type']).toEqual(['SystemLog']);
    const takes = (file: string) => matchesPattern(pattern, fixture(`okta/${file}`));
    expect(takes('session-context-change.json')).toBe(true);
    expect(takes('detect-client-roaming.json')).toBe(true);
    expect(takes('user-risk-detect.json')).toBe(true);
    expect(takes('user-authentication-sso.json')).toBe(false);
  });

  it('takes native detections from every configured source and admits the partner account on the bus', () => {
    const native = Object.entries(template.findResources('AWS::Events::Rule')).find(([id]) =>
      id.startsWith('IntakeNativeDetections'),
    )?.[1] as CfnResource;
    const pattern = native.Properties.EventPattern as Record<string, unknown>;
    expect(matchesPattern(pattern, fixture('native/eventbridge-session-compromise.json'))).toBe(
      true,
    );
    const admit = Object.values(template.findResources('AWS::Events::EventBusPolicy'))
      .map((p) => (p as CfnResource).Properties.Statement as PolicyStatement)
      .find((s) => s.Sid === 'cdk-AdmitTrustedSources');
    expect(JSON.stringify(admit?.Principal)).toContain(`:iam::${PARTNER_ACCOUNT}:root`);
    expect(admit?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'events:source': ['soar.playbook', 'halvorsen.soar'] },
    });
    expect(functionEnv('ContainmentRespond').TRUSTED_EVENT_SOURCES).toBe(
      'soar.playbook,halvorsen.soar',
    );
  });

  it('gives the SSF transmitters to intake-api only, in a form its receiver accepts', () => {
    const text = functionEnv('IntakeIntakeApi').SSF_TRANSMITTERS;
    if (typeof text !== 'string') throw new Error('intake-api has no SSF_TRANSMITTERS');
    expect(JSON.parse(text)).toEqual(TRANSMITTERS);
    const parsed = ssfTransmittersFrom(text, 'SSF_TRANSMITTERS');
    expect(parsed.map((t) => [t.issuer, t.provider, t.tenantId, t.algorithms])).toEqual([
      [
        'https://transmitter.example',
        'entra',
        TENANT,
        ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'],
      ],
      ['https://okta.halvorsenfreight.example', 'okta', 'halvorsen-freight', ['ES256']],
    ]);
    for (const path of [
      'ContainmentRespond',
      'ContainmentRelease',
      'TicketsOpenTickets',
      'AuditorApiLedgerApi',
      'CheckpointFunction',
    ]) {
      expect(
        Object.keys(functionEnv(path)).filter((k) => k.startsWith('SSF_')),
        path,
      ).toEqual([]);
    }
    expect(functionEnv('ContainmentRespond').ENTRA_TENANT_IDS).toBe(TENANT);
  });

  it('sizes respond concurrency from the context', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 25 },
    });
  });

  it('puts the configured web ACL in front of the API stage, and needs no WAF acknowledgement', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { WebACLArn: WEB_ACL });
    const metadata = JSON.parse(
      readFileSync(join(outdir, 'RevocationResponder.metadata.json'), 'utf8'),
    ) as Record<string, { type: string; data?: unknown }[]>;
    const acknowledged = Object.values(metadata)
      .flat()
      .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
      .flatMap((entry) => Object.keys(entry.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged.filter((id) => id.includes('APIG3'))).toEqual([]);
  });

  it('subscribes the alarm email to the alarm topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'soc@halvorsenfreight.example',
    });
  });

  it('lets only the configured auditor assume the auditor role', () => {
    const roleId = logicalIdOf(template, 'AWS::IAM::Role', 'AuditorApiAuditorRole');
    const role = template.findResources('AWS::IAM::Role')[roleId] as CfnResource;
    const trust = (role.Properties.AssumeRolePolicyDocument as { Statement: PolicyStatement[] })
      .Statement;
    expect(trust.map((s) => s.Principal)).toEqual([{ AWS: AUDITOR }]);
    expect(statementsOfRole(template, roleId)).toHaveLength(1);
  });
});
