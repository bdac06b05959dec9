import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadResponderConfig } from '../../infra/config.ts';
import { ConfigError } from '../../shared/domain/errors.ts';
import { matchesPattern } from './event-pattern.ts';
import {
  actionsOf,
  type CfnResource,
  environmentOf,
  logicalIdOf,
  type PolicyStatement,
  refersTo,
  resourcesOf,
  SSF_TRANSMITTER_CONTEXT,
  statementsOfRole,
  synthesizeDefaultStack,
  synthesizeStack,
} from './support.ts';

/** The Shared Signals transmitter in the stack: on only when the ssfTransmitter context is set. */

let synthesized: ReturnType<typeof synthesizeStack>;
const ids = {
  key: '',
  transmit: '',
  api: '',
  transmitRole: '',
  apiRole: '',
  queue: '',
  dlq: '',
  bus: '',
};

beforeAll(() => {
  synthesized = synthesizeStack({ ssfTransmitter: SSF_TRANSMITTER_CONTEXT });
  const { template } = synthesized;
  ids.key = logicalIdOf(template, 'AWS::KMS::Key', 'SharedSignalsSigningKey');
  ids.transmit = logicalIdOf(template, 'AWS::Lambda::Function', 'SharedSignalsTransmit');
  ids.api = logicalIdOf(template, 'AWS::Lambda::Function', 'SharedSignalsApi');
  ids.transmitRole = logicalIdOf(template, 'AWS::IAM::Role', 'SharedSignalsTransmitRole');
  ids.apiRole = logicalIdOf(template, 'AWS::IAM::Role', 'SharedSignalsApiRole');
  ids.queue = logicalIdOf(template, 'AWS::SQS::Queue', 'SharedSignalsTransmitQueue');
  ids.dlq = logicalIdOf(template, 'AWS::SQS::Queue', 'SharedSignalsTransmitQueueDeadLetter');
  ids.bus = logicalIdOf(template, 'AWS::Events::EventBus', 'IntakeBus');
});

function resources(type: string): [string, CfnResource][] {
  return Object.entries(synthesized.template.findResources(type)) as [string, CfnResource][];
}

/** Each API method as `VERB /path` with its authorization. */
function methods(): Map<string, { auth: string; authorizer: unknown }> {
  const parts = new Map(resources('AWS::ApiGateway::Resource'));
  const pathOf = (resourceId: unknown): string => {
    const ref = (resourceId as { Ref?: string }).Ref;
    const resource = ref ? parts.get(ref) : undefined;
    if (!resource) return ''; // the root
    return `${pathOf(resource.Properties.ParentId)}/${String(resource.Properties.PathPart)}`;
  };
  return new Map(
    resources('AWS::ApiGateway::Method').map(([, m]) => [
      `${String(m.Properties.HttpMethod)} ${pathOf(m.Properties.ResourceId)}`,
      { auth: String(m.Properties.AuthorizationType), authorizer: m.Properties.AuthorizerId },
    ]),
  );
}

describe('Shared Signals transmitter in the stack', () => {
  it('is not deployed without the ssfTransmitter context', () => {
    const { template } = synthesizeDefaultStack();
    const keys = Object.values(template.findResources('AWS::KMS::Key')) as CfnResource[];
    // The ledger's checkpoint key signs too (ECC); the transmitter's RSA key must be absent.
    expect(keys.filter((k) => k.Properties.KeySpec === 'RSA_2048')).toEqual([]);
    expect(JSON.stringify(template.findResources('AWS::ApiGateway::Resource'))).not.toContain(
      'ssf-configuration',
    );
  });

  it('signs with an RSA_2048 SIGN_VERIFY key that is kept when the stack goes', () => {
    const key = synthesized.template.findResources('AWS::KMS::Key')[ids.key] as CfnResource;
    expect(key.Properties).toMatchObject({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
    expect(key.DeletionPolicy).toBe('Retain');
  });

  it('lets exactly one principal sign, the transmit function: IAM grants and the key policy agree', () => {
    const signers = resources('AWS::IAM::Role')
      .filter(([roleId]) =>
        statementsOfRole(synthesized.template, roleId).some(
          (s) =>
            s.Effect === 'Allow' &&
            actionsOf(s).some((a) => a === 'kms:Sign' || a === 'kms:*') &&
            resourcesOf(s).some((r) => refersTo(r, ids.key) || r === '*'),
        ),
      )
      .map(([roleId]) => roleId)
      .sort();
    expect(signers).toEqual([ids.transmitRole]);

    const key = synthesized.template.findResources('AWS::KMS::Key')[ids.key] as CfnResource;
    const policy = (key.Properties.KeyPolicy as { Statement: PolicyStatement[] }).Statement;
    const deny = policy.find((s) => s.Sid === 'OnlyTheTransmitterSigns');
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Sign' });
    const allowed = deny?.Condition?.ArnNotEquals?.['aws:PrincipalArn'];
    expect(Array.isArray(allowed)).toBe(false); // one ARN, not a list
    expect(refersTo(allowed, ids.transmitRole)).toBe(true);
    // No key-policy statement allows kms:Sign to a named principal other than the account root.
    const allowsSign = policy.filter(
      (s) => s.Effect === 'Allow' && actionsOf(s).some((a) => a === 'kms:Sign'),
    );
    expect(allowsSign).toEqual([]);
  });

  it('lets the management API read the public key and queue work for the transmitter, not sign', () => {
    const api = statementsOfRole(synthesized.template, ids.apiRole).filter((s) =>
      resourcesOf(s).some((r) => refersTo(r, ids.key)),
    );
    expect(api.flatMap(actionsOf)).toEqual(['kms:GetPublicKey']);
    const sends = statementsOfRole(synthesized.template, ids.apiRole).filter((s) =>
      resourcesOf(s).some((r) => refersTo(r, ids.queue)),
    );
    expect(sends.flatMap(actionsOf)).toContain('sqs:SendMessage');
  });

  it('guards every management route with the bearer-token authorizer, not the discovery routes', () => {
    const authorizers = resources('AWS::ApiGateway::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0] as [string, CfnResource];
    expect(authorizer.Properties).toMatchObject({
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
    });
    const all = methods();
    for (const route of ['GET /.well-known/ssf-configuration', 'GET /ssf/jwks']) {
      expect(all.get(route), route).toEqual({ auth: 'NONE', authorizer: undefined });
    }
    const managed = [
      'GET /ssf/streams',
      'POST /ssf/streams',
      'PATCH /ssf/streams',
      'PUT /ssf/streams',
      'DELETE /ssf/streams',
      'GET /ssf/status',
      'POST /ssf/status',
      'POST /ssf/subjects/add',
      'POST /ssf/subjects/remove',
      'POST /ssf/verify',
      'POST /ssf/poll/{streamId}',
    ];
    for (const route of managed) {
      expect(all.get(route), route).toEqual({ auth: 'CUSTOM', authorizer: { Ref: authorizerId } });
    }
    const ssfRoutes = [...all.keys()].filter((r) => / \/(ssf|\.well-known)\b/.test(r));
    expect(ssfRoutes.sort()).toEqual(
      [...managed, 'GET /.well-known/ssf-configuration', 'GET /ssf/jwks'].sort(),
    );
  });

  it('answers a refused token with 401 and an RFC 6750 WWW-Authenticate challenge', () => {
    const responses = resources('AWS::ApiGateway::GatewayResponse').filter(
      ([, r]) => r.Properties.ResponseType === 'UNAUTHORIZED',
    );
    expect(responses).toHaveLength(1);
    expect((responses[0] as [string, CfnResource])[1].Properties).toMatchObject({
      StatusCode: '401',
      ResponseParameters: {
        'gatewayresponse.header.WWW-Authenticate': `'Bearer error="invalid_token"'`,
      },
    });
  });

  it('verifies tokens against the configured issuer, audience and keys', () => {
    const [, fn] = resources('AWS::Lambda::Function').find(([id]) =>
      id.startsWith('SharedSignalsAuthorizer'),
    ) as [string, CfnResource];
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env).toMatchObject({
      SSF_TOKEN_ISSUER: SSF_TRANSMITTER_CONTEXT.issuer,
      SSF_TOKEN_AUDIENCE: SSF_TRANSMITTER_CONTEXT.audience,
      SSF_TOKEN_JWKS_URI: SSF_TRANSMITTER_CONTEXT.jwksUri,
    });
  });

  it.each([
    ['Containment Completed', 'Release Completed'],
    // Release publishes it only after the provider confirmed a restore (RISC account-enabled).
    ['Release Completed', 'Containment Completed'],
  ])(
    'takes %s from the bus to the encrypted queue the transmitter drains, and nothing else',
    (detailType, other) => {
      const rules = resources('AWS::Events::Rule').filter(([id]) =>
        id.startsWith(`SharedSignals${detailType.replace(' ', '')}`),
      );
      expect(rules).toHaveLength(1);
      const [, rule] = rules[0] as [string, CfnResource];
      expect(refersTo(rule.Properties.EventBusName, ids.bus)).toBe(true);
      const pattern = rule.Properties.EventPattern as Record<string, unknown>;
      const event = (type: string, source = 'revocation-responder') => ({
        source,
        'detail-type': type,
        detail: { incidentId: 'inc-1' },
      });
      expect(matchesPattern(pattern, event(detailType))).toBe(true);
      expect(matchesPattern(pattern, event(other))).toBe(false);
      expect(matchesPattern(pattern, event('Remediation Requested'))).toBe(false);
      expect(matchesPattern(pattern, event(detailType, 'soar.playbook'))).toBe(false);
      const targets = rule.Properties.Targets as Record<string, unknown>[];
      expect(targets).toHaveLength(1);
      expect(refersTo(targets[0]?.Arn, ids.queue)).toBe(true);
      expect(
        refersTo((targets[0]?.DeadLetterConfig as { Arn?: unknown } | undefined)?.Arn, ids.dlq),
      ).toBe(true);

      const queues = synthesized.template.findResources('AWS::SQS::Queue');
      const queue = queues[ids.queue] as CfnResource;
      expect(queue.Properties.KmsMasterKeyId).toBeDefined();
      expect(
        refersTo(
          (queue.Properties.RedrivePolicy as { deadLetterTargetArn: unknown }).deadLetterTargetArn,
          ids.dlq,
        ),
      ).toBe(true);
      expect((queues[ids.dlq] as CfnResource).Properties.KmsMasterKeyId).toBeDefined();

      const mappings = resources('AWS::Lambda::EventSourceMapping').filter(([, m]) =>
        refersTo(m.Properties.EventSourceArn, ids.queue),
      );
      expect(mappings).toHaveLength(1);
      const [, mapping] = mappings[0] as [string, CfnResource];
      expect(refersTo(mapping.Properties.FunctionName, ids.transmit)).toBe(true);
      expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    },
  );

  it('alarms when an undeliverable event reaches the dead-letter queue', () => {
    const alarms = resources('AWS::CloudWatch::Alarm').filter(([, alarm]) =>
      JSON.stringify(alarm.Properties.Dimensions ?? []).includes(ids.dlq),
    );
    expect(alarms).toHaveLength(1);
    expect((alarms[0] as [string, CfnResource])[1].Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    const report = new AwsSolutionsChecks().validateScope(synthesized.app);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
    );
    expect(findings).toEqual([]);
  });
});

describe('ssfTransmitter context', () => {
  const from = (ssfTransmitter: unknown) => (key: string) =>
    key === 'ssfTransmitter' ? ssfTransmitter : undefined;

  it('is absent by default', () => {
    expect(loadResponderConfig(() => undefined).ssfTransmitter).toBeUndefined();
  });

  it('reads the issuer, audience and keys, subjects ALL by default', () => {
    expect(loadResponderConfig(from(SSF_TRANSMITTER_CONTEXT)).ssfTransmitter).toEqual({
      ...SSF_TRANSMITTER_CONTEXT,
      defaultSubjects: 'ALL',
    });
  });

  it("hands each receiver's configured audience to the management API", () => {
    const audiences = { 'okta-itp-client': 'https://halvorsen.okta.example' };
    const { template } = synthesizeStack({
      ssfTransmitter: { ...SSF_TRANSMITTER_CONTEXT, audiences },
    });
    const api = logicalIdOf(template, 'AWS::Lambda::Function', 'SharedSignalsApi');
    expect(environmentOf(template, api).SSF_AUDIENCES).toBe(JSON.stringify(audiences));
    expect(environmentOf(synthesized.template, ids.api).SSF_AUDIENCES).toBeUndefined();
  });

  it('reads `cdk synth -c ssfTransmitter={...}` as JSON', () => {
    const config = loadResponderConfig(from(JSON.stringify(SSF_TRANSMITTER_CONTEXT)));
    expect(config.ssfTransmitter?.audience).toBe(SSF_TRANSMITTER_CONTEXT.audience);
  });

  it.each([
    ['issuer', { ...SSF_TRANSMITTER_CONTEXT, issuer: 'http://idp.example.com' }],
    ['jwksUri', { ...SSF_TRANSMITTER_CONTEXT, jwksUri: 'not a url' }],
    [
      'audience',
      { issuer: SSF_TRANSMITTER_CONTEXT.issuer, jwksUri: SSF_TRANSMITTER_CONTEXT.jwksUri },
    ],
    ['publicUrl', { ...SSF_TRANSMITTER_CONTEXT, publicUrl: 'http://ssf.example.com' }],
    ['defaultSubjects', { ...SSF_TRANSMITTER_CONTEXT, defaultSubjects: 'SOME' }],
    ['audiences', { ...SSF_TRANSMITTER_CONTEXT, audiences: { 'okta-itp-client': '' } }],
    ['audiences', { ...SSF_TRANSMITTER_CONTEXT, audiences: ['https://okta.example'] }],
    [
      'audiences',
      {
        ...SSF_TRANSMITTER_CONTEXT,
        audiences: Object.fromEntries(
          Array.from({ length: 40 }, (_, i) => [
            `client-${i}`,
            `https://${'a'.repeat(80)}.example`,
          ]),
        ),
      },
    ],
  ])('refuses a bad %s, naming it', (field, value) => {
    expect(() => loadResponderConfig(from(value))).toThrow(ConfigError);
    expect(() => loadResponderConfig(from(value))).toThrow(`ssfTransmitter.${field}`);
  });
});
