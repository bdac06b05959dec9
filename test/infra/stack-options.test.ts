import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadResponderConfig, PROJECT_ROOT } from '../../infra/config.ts';
import { Observability } from '../../infra/constructs/observability.ts';
import { matchesPattern } from './event-pattern.ts';
import {
  type CfnResource,
  logicalIdOf,
  type PolicyStatement,
  refersTo,
  type Synthesized,
  statementsOfRole,
  synthesizeStack,
} from './support.ts';

const OKTA = 'aws.partner/okta.com/halvorsen-freight/secopsstream';
const PARTNER_ACCOUNT = '222233334444';
const AUDITOR = 'arn:aws:iam::111122223333:role/ExternalAuditor';

let synthesized: Synthesized;
let template: Template;
beforeAll(() => {
  synthesized = synthesizeStack({
    trustedSources: ['soar.playbook', 'halvorsen.soar'],
    trustedPrincipals: [PARTNER_ACCOUNT],
    oktaEventSources: [OKTA],
    tenants: ['395979b2-3921-4e47-adf8-f76fc76c27fc'],
    alarmEmail: 'soc@halvorsenfreight.example',
    ssfIssuer: 'https://transmitter.example',
    ssfAudience: 'https://responder.halvorsenfreight.example',
    ssfJwksUrl: 'https://transmitter.example/jwks.json',
    auditorPrincipals: [AUDITOR],
    wafWebAclArn: 'arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/responder/0a1b',
    maxConcurrency: '25',
  });
  template = synthesized.template;
});

function fixture(path: string): unknown {
  return JSON.parse(readFileSync(join(PROJECT_ROOT, 'test/fixtures', path), 'utf8'));
}

function functionEnv(path: string): Record<string, unknown> {
  const fn = template.findResources('AWS::Lambda::Function')[
    logicalIdOf(template, 'AWS::Lambda::Function', path)
  ] as CfnResource;
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

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

  it('gives the SET transmitter settings to intake-api only', () => {
    expect(functionEnv('IntakeIntakeApi')).toMatchObject({
      SSF_ISSUER: 'https://transmitter.example',
      SSF_AUDIENCE: 'https://responder.halvorsenfreight.example',
      SSF_JWKS_URL: 'https://transmitter.example/jwks.json',
    });
    for (const path of [
      'ContainmentRespond',
      'ContainmentRelease',
      'TicketsOpenTickets',
      'AuditorApiLedgerApi',
    ]) {
      expect(
        Object.keys(functionEnv(path)).filter((k) => k.startsWith('SSF_')),
        path,
      ).toEqual([]);
    }
    expect(functionEnv('ContainmentRespond').ENTRA_TENANT_IDS).toBe(
      '395979b2-3921-4e47-adf8-f76fc76c27fc',
    );
  });

  it('sizes respond concurrency from the context', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 25 },
    });
  });

  it('puts the configured web ACL in front of the API stage', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: 'arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/responder/0a1b',
    });
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

  it('still leaves no cdk-nag finding unacknowledged, and needs no WAF acknowledgement', () => {
    const report = new AwsSolutionsChecks().validateScope(synthesized.app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    const api = synthesized.stack.intake.api;
    const acknowledged = api.node.metadata.flatMap((entry) => Object.keys(entry.data ?? {}));
    expect(acknowledged.some((id) => id.includes('APIG3'))).toBe(false);
  });
});

describe('alarms to an existing topic', () => {
  it('sends alarms to the configured topic and creates none', () => {
    const app = new App();
    const stack = new Stack(app, 'Alarms');
    const config = loadResponderConfig((key) =>
      key === 'alarmTopicArn' ? 'arn:aws:sns:eu-west-1:111122223333:soc-pager' : undefined,
    );
    const observability = new Observability(stack, 'Observability', {
      config,
      dataKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
    });
    observability.watchDeadLetterQueue('Respond', new sqs.Queue(stack, 'Dlq'));
    const alarms = Template.fromStack(stack);
    alarms.resourceCountIs('AWS::SNS::Topic', 0);
    alarms.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: ['arn:aws:sns:eu-west-1:111122223333:soc-pager'],
    });
  });
});
