import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadResponderConfig, PROJECT_ROOT } from '../../infra/config.ts';
import { PROTECTED_PRINCIPAL_TAG } from '../../infra/constructs/containment.ts';
import {
  Observability,
  TIME_TO_CONTAIN_P99_THRESHOLD_MS,
} from '../../infra/constructs/observability.ts';
import { LEDGER_INDEX } from '../../shared/adapters/dynamodb/ledger-table-definition.ts';
import { type LambdaEnv, lambdaEnv } from '../../shared/config/lambda-env.ts';
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

// The stack as cdk.json configures it, synthesized once for this file (cdk-nag checks included).
let template: Template;
const ids = {
  respondQueue: '',
  respondDlq: '',
  ticketQueue: '',
  ticketDlq: '',
  bus: '',
  ledger: '',
  oktaSecret: '',
  ticketSecret: '',
  pageTokenSecret: '',
};
const roles: Record<string, string> = {};
const functions: Record<string, string> = {};
// The Shared Signals transmitter's functions exist only with the ssfTransmitter context.
let ssfTemplate: Template;
const ssfFunctions: Record<string, string> = {};

beforeAll(() => {
  ({ template } = synthesizeDefaultStack());
  ids.respondQueue = logicalIdOf(template, 'AWS::SQS::Queue', 'ContainmentRespondQueue');
  ids.respondDlq = logicalIdOf(template, 'AWS::SQS::Queue', 'ContainmentRespondQueueDeadLetter');
  ids.ticketQueue = logicalIdOf(template, 'AWS::SQS::Queue', 'TicketsTicketQueue');
  ids.ticketDlq = logicalIdOf(template, 'AWS::SQS::Queue', 'TicketsTicketQueueDeadLetter');
  ids.bus = logicalIdOf(template, 'AWS::Events::EventBus', 'IntakeBus');
  ids.ledger = logicalIdOf(template, 'AWS::DynamoDB::Table', 'LedgerTable');
  ids.oktaSecret = logicalIdOf(
    template,
    'AWS::SecretsManager::Secret',
    'ContainmentOktaCredentials',
  );
  ids.ticketSecret = logicalIdOf(
    template,
    'AWS::SecretsManager::Secret',
    'TicketsTicketCredentials',
  );
  ids.pageTokenSecret = logicalIdOf(
    template,
    'AWS::SecretsManager::Secret',
    'AuditorApiPageTokenKey',
  );
  const names = {
    respond: 'ContainmentRespond',
    release: 'ContainmentRelease',
    intakeApi: 'IntakeIntakeApi',
    openTickets: 'TicketsOpenTickets',
    ledgerApi: 'AuditorApiLedgerApi',
    checkpoint: 'CheckpointFunction',
    watchContainment: 'ContainmentWatchFunction',
  };
  for (const [name, prefix] of Object.entries(names)) {
    functions[name] = logicalIdOf(template, 'AWS::Lambda::Function', prefix);
    roles[name] = logicalIdOf(template, 'AWS::IAM::Role', `${prefix}Role`);
  }
  ({ template: ssfTemplate } = synthesizeStack({ ssfTransmitter: SSF_TRANSMITTER_CONTEXT }));
  const ssfNames = {
    ssfTransmit: 'SharedSignalsTransmit',
    ssfApi: 'SharedSignalsApi',
    ssfAuthorizer: 'SharedSignalsAuthorizer',
  };
  for (const [name, prefix] of Object.entries(ssfNames)) {
    ssfFunctions[name] = logicalIdOf(ssfTemplate, 'AWS::Lambda::Function', prefix);
  }
});

function fixture(path: string): unknown {
  return JSON.parse(readFileSync(join(PROJECT_ROOT, 'test/fixtures', path), 'utf8'));
}

/** The rules that match events (the checkpoint's schedule rule matches none). */
function rules(): [string, CfnResource][] {
  return (
    Object.entries(template.findResources('AWS::Events::Rule')) as [string, CfnResource][]
  ).filter(([, rule]) => rule.Properties.EventPattern !== undefined);
}

function ruleNamed(prefix: string): CfnResource {
  const found = rules().find(([id]) => id.startsWith(prefix));
  if (!found) throw new Error(`no rule ${prefix}`);
  return found[1];
}

function patternOf(rule: CfnResource): Record<string, unknown> {
  return rule.Properties.EventPattern as Record<string, unknown>;
}

/** The rules on the bus `busId` (undefined: the default bus) that take `event`. */
function rulesTaking(event: unknown, busId?: string): string[] {
  return rules()
    .filter(([, rule]) => {
      const bus = rule.Properties.EventBusName;
      const onBus = busId === undefined ? bus === undefined : refersTo(bus, busId);
      return onBus && matchesPattern(patternOf(rule), event);
    })
    .map(([id]) => id);
}

function targetsOf(rule: CfnResource): { Arn: unknown; DeadLetterConfig?: { Arn: unknown } }[] {
  return rule.Properties.Targets as { Arn: unknown; DeadLetterConfig?: { Arn: unknown } }[];
}

function allStatements(): { policyId: string; statement: PolicyStatement }[] {
  return Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([policyId, p]) =>
    (
      (p as CfnResource).Properties.PolicyDocument as { Statement: PolicyStatement[] }
    ).Statement.map((statement) => ({ policyId, statement })),
  );
}

function allows(statements: PolicyStatement[], action: string, resourceId: string): boolean {
  return statements.some(
    (s) =>
      s.Effect === 'Allow' &&
      actionsOf(s).includes(action) &&
      resourcesOf(s).some((r) => JSON.stringify(r).includes(`"${resourceId}"`)),
  );
}

describe('event wiring', () => {
  it('sends every detection rule to the respond queue, with its dead-letter queue for failed deliveries', () => {
    const detectionRules = rules().filter(([id]) => !id.startsWith('TicketsRemediation'));
    expect(detectionRules.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'IntakeEntraRiskDetections',
      'IntakeGuardDutyCredentialFindings',
      'IntakeNativeDetections',
      'IntakeSecurityHubAsffIdentityFindings',
      'IntakeSecurityHubOcsfIdentityFindings',
    ]);
    for (const [, rule] of detectionRules) {
      const [target, ...others] = targetsOf(rule);
      expect(others).toEqual([]);
      expect(refersTo(target?.Arn, ids.respondQueue)).toBe(true);
      expect(refersTo(target?.DeadLetterConfig?.Arn, ids.respondDlq)).toBe(true);
    }
  });

  it('takes native detections on the responder bus from trusted sources only', () => {
    const rule = ruleNamed('IntakeNativeDetections');
    expect(refersTo(rule.Properties.EventBusName, ids.bus)).toBe(true);
    expect(patternOf(rule)).toEqual({
      source: ['soar.playbook'],
      'detail-type': ['Session Compromise Detected'],
    });
    const event = fixture('native/eventbridge-session-compromise.json') as Record<string, unknown>;
    expect(rulesTaking({ ...event, source: 'soar.playbook' }, ids.bus)).toHaveLength(1);
    expect(rulesTaking(event, ids.bus)).toEqual([]); // halvorsen.soar is not in cdk.json's list
  });

  it('takes Entra ID Protection risk detections forwarded by a trusted SOAR on the responder bus', () => {
    const event = fixture('entra/eventbridge-anomalous-token.json') as Record<string, unknown>;
    const taken = rulesTaking({ ...event, source: 'soar.playbook' }, ids.bus);
    expect(taken.map((id) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual([
      'IntakeEntraRiskDetections',
    ]);
  });

  it('takes GuardDuty IAM credential findings on the default bus and leaves other findings', () => {
    const rule = ruleNamed('IntakeGuardDutyCredentialFindings');
    expect(rule.Properties.EventBusName).toBeUndefined();
    const taken = (file: string) => rulesTaking(fixture(`guardduty/${file}`)).length;
    expect(taken('instance-credential-exfiltration-outside-aws.json')).toBe(1);
    expect(taken('iam-user-anomalous-behavior.json')).toBe(1);
    expect(taken('ec2-cryptocurrency-dns.json')).toBe(0);
    expect(taken('policy-root-credential-usage.json')).toBe(0);
  });

  it('takes Security Hub ASFF and OCSF findings about IAM identities and leaves the rest', () => {
    const taken = (file: string) =>
      rulesTaking(fixture(`securityhub/${file}`)).map((id) => id.replace(/[0-9A-F]{8}$/, ''));
    expect(taken('asff-role-session-reuse.json')).toEqual([
      'IntakeSecurityHubAsffIdentityFindings',
    ]);
    expect(taken('asff-guardduty-instance-credential-exfiltration.json')).toEqual([
      'IntakeSecurityHubAsffIdentityFindings',
    ]);
    expect(taken('asff-ec2-vulnerability.json')).toEqual([]);
    expect(taken('ocsf-iam-user-anomalous-behavior.json')).toEqual([
      'IntakeSecurityHubOcsfIdentityFindings',
    ]);
    expect(taken('ocsf-s3-bucket-detection.json')).toEqual([]);
    expect(taken('ocsf-compliance-access-key-rotation.json')).toEqual([]);
  });

  it('routes Remediation Requested from the responder itself to the ticket queue', () => {
    const rule = ruleNamed('TicketsRemediationRequested');
    expect(refersTo(rule.Properties.EventBusName, ids.bus)).toBe(true);
    expect(patternOf(rule)).toEqual({
      source: ['revocation-responder'],
      'detail-type': ['Remediation Requested'],
    });
    const [target] = targetsOf(rule);
    expect(refersTo(target?.Arn, ids.ticketQueue)).toBe(true);
    expect(refersTo(target?.DeadLetterConfig?.Arn, ids.ticketDlq)).toBe(true);
  });

  it('feeds respond from its queue in batches with partial failures and bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [ids.respondQueue, 'Arn'] },
      FunctionName: { Ref: functions.respond },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [ids.ticketQueue, 'Arn'] },
      FunctionName: { Ref: functions.openTickets },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
  });

  it('lets only trusted sources onto the bus, and only respond, the watch and the operator use the responder source', () => {
    const statements = Object.values(template.findResources('AWS::Events::EventBusPolicy')).map(
      (p) => (p as CfnResource).Properties.Statement as PolicyStatement,
    );
    const untrusted = statements.find((s) => s.Sid === 'cdk-RefuseUntrustedSources');
    expect(untrusted).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'events:PutEvents',
      Condition: {
        'ForAnyValue:StringNotEquals': {
          'events:source': ['soar.playbook', 'revocation-responder'],
        },
      },
    });
    const own = statements.find((s) => s.Sid === 'cdk-OnlyTheResponderUsesItsSource');
    expect(own?.Effect).toBe('Deny');
    expect(own?.Condition?.['ForAnyValue:StringEquals']).toEqual({
      'events:source': ['revocation-responder'],
    });
    expect(own?.Condition?.ArnNotEquals).toEqual({
      'aws:PrincipalArn': [
        { 'Fn::GetAtt': [roles.respond, 'Arn'] },
        { 'Fn::GetAtt': [roles.watchContainment, 'Arn'] },
        { 'Fn::GetAtt': [roles.release, 'Arn'] },
      ],
    });
  });

  it('lets only respond, the containment watch and the operator function (approvals, expiries) publish on the bus', () => {
    const publishers = allStatements().filter(({ statement }) =>
      actionsOf(statement).includes('events:PutEvents'),
    );
    expect(publishers.map(({ policyId }) => policyId.replace(/[0-9A-F]{8}$/, ''))).toEqual([
      'ContainmentRespondRoleDefaultPolicy',
      'ContainmentReleaseRoleDefaultPolicy',
      'ContainmentWatchFunctionRoleDefaultPolicy',
    ]);
  });
});

describe('IAM least privilege', () => {
  function roleStatements(name: string): PolicyStatement[] {
    return statementsOfRole(template, roles[name] as string);
  }

  it('never lets a ledger writer update or delete a ledger item', () => {
    for (const name of ['respond', 'release', 'intakeApi', 'openTickets', 'checkpoint']) {
      const statements = roleStatements(name);
      expect(allows(statements, 'dynamodb:PutItem', ids.ledger), name).toBe(true);
      for (const forbidden of [
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
      ]) {
        expect(allows(statements, forbidden, ids.ledger), `${name} ${forbidden}`).toBe(false);
        expect(
          statements.some(
            (s) =>
              s.Effect === 'Deny' &&
              actionsOf(s).includes(forbidden) &&
              resourcesOf(s).some((r) => JSON.stringify(r).includes(ids.ledger)),
          ),
          `${name} explicit deny of ${forbidden}`,
        ).toBe(true);
      }
    }
  });

  it('gives ledger-api read actions only on the ledger', () => {
    const ledgerActions = roleStatements('ledgerApi')
      .filter(
        (s) =>
          s.Effect === 'Allow' &&
          resourcesOf(s).some((r) => JSON.stringify(r).includes(`"${ids.ledger}"`)),
      )
      .flatMap(actionsOf);
    expect(new Set(ledgerActions)).toEqual(
      new Set(['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:DescribeTable']),
    );
  });

  it('lets only open-tickets read the ticket secret, and stores no Graph secret (federated credential)', () => {
    const readers = (secretId: string) =>
      Object.keys(roles)
        .filter((name) => allows(roleStatements(name), 'secretsmanager:GetSecretValue', secretId))
        .sort();
    expect(
      Object.keys(template.findResources('AWS::SecretsManager::Secret')).filter((id) =>
        id.startsWith('ContainmentGraphCredentials'),
      ),
    ).toEqual([]);
    expect(readers(ids.oktaSecret)).toEqual(['release', 'respond']);
    expect(readers(ids.ticketSecret)).toEqual(['openTickets']);
    expect(readers(ids.pageTokenSecret)).toEqual(['ledgerApi']);
  });

  it('scopes AWS IAM containment to this account and denies it on protected principals and the responder', () => {
    for (const name of ['respond', 'release']) {
      const statements = roleStatements(name);
      const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
      expect(JSON.stringify(bySid('ContainAwsRoleSessions')?.Resource)).toContain(
        '{"Ref":"AWS::AccountId"},":role/*"',
      );
      expect(new Set(actionsOf(bySid('ContainAwsAccessKeys') as PolicyStatement))).toEqual(
        new Set(['iam:UpdateAccessKey', 'iam:ListAccessKeys']),
      );
      expect(JSON.stringify(bySid('ContainAwsAccessKeys')?.Resource)).toContain(
        '{"Ref":"AWS::AccountId"},":user/*"',
      );
      expect(bySid('NeverContainProtectedPrincipals')).toMatchObject({
        Effect: 'Deny',
        Condition: { StringEquals: { [`aws:ResourceTag/${PROTECTED_PRINCIPAL_TAG}`]: 'true' } },
      });
      const self = bySid('NeverContainTheResponder');
      expect(self?.Effect).toBe('Deny');
      expect(resourcesOf(self as PolicyStatement)).toHaveLength(2);
      expect(self?.Resource).toEqual(
        expect.arrayContaining([
          { 'Fn::GetAtt': [roles.respond, 'Arn'] },
          { 'Fn::GetAtt': [roles.release, 'Arn'] },
        ]),
      );
    }
    const iamActors = allStatements()
      .filter(
        ({ statement }) =>
          statement.Effect === 'Allow' && actionsOf(statement).some((a) => a.startsWith('iam:')),
      )
      .map(({ policyId }) => policyId.replace(/[0-9A-F]{8}$/, ''));
    expect(new Set(iamActors)).toEqual(
      new Set([
        'ContainmentRespondRoleDefaultPolicy',
        'ContainmentReleaseRoleDefaultPolicy',
        'ContainmentWatchFunctionRoleDefaultPolicy',
      ]),
    );
  });

  it('grants no function a wildcard resource except for X-Ray and, to the Graph actors, audience-pinned web identity tokens (no resource-level permissions)', () => {
    for (const name of Object.keys(roles)) {
      const wildcard = roleStatements(name).filter(
        (s) => s.Effect === 'Allow' && resourcesOf(s).includes('*'),
      );
      const federated = ['respond', 'release', 'watchContainment'].includes(name);
      expect(wildcard.flatMap(actionsOf).sort(), name).toEqual([
        ...(federated ? ['sts:GetWebIdentityToken'] : []),
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
      for (const statement of wildcard.filter((s) => s.Sid === 'FederatedGraphCredential')) {
        expect(statement.Condition, name).toBeDefined();
      }
    }
  });

  it('attaches no AWS managed policy to any function role', () => {
    for (const name of Object.keys(roles)) {
      const role = template.findResources('AWS::IAM::Role')[roles[name] as string] as CfnResource;
      expect(role.Properties.ManagedPolicyArns, name).toBeUndefined();
    }
  });

  it('lets intake-api send to the respond queue and nothing else consume it', () => {
    const intake = roleStatements('intakeApi');
    expect(allows(intake, 'sqs:SendMessage', ids.respondQueue)).toBe(true);
    expect(allows(intake, 'sqs:ReceiveMessage', ids.respondQueue)).toBe(false);
    const consumers = Object.keys(roles).filter((name) =>
      allows(roleStatements(name), 'sqs:ReceiveMessage', ids.respondQueue),
    );
    expect(consumers).toEqual(['respond']);
  });

  it('gives the auditor role its route and the operator role the operator routes only', () => {
    const roleStatementsByPrefix = (prefix: string) =>
      statementsOfRole(template, logicalIdOf(template, 'AWS::IAM::Role', prefix));
    const auditor = roleStatementsByPrefix('AuditorApiAuditorRole');
    expect(auditor).toHaveLength(2);
    expect(auditor.map((s) => s.Action)).toEqual(['execute-api:Invoke', 'execute-api:Invoke']);
    expect(JSON.stringify(auditor[0]?.Resource)).toMatch(/\/prod\/GET\/v1\/ledger\/\*"\]\]\}$/);
    expect(JSON.stringify(auditor[1]?.Resource)).toMatch(
      /\/prod\/GET\/v1\/incidents\/\*\/evidence"\]\]\}$/,
    );
    const operator = roleStatementsByPrefix('OperatorApiReleaseOperatorRole');
    expect(operator.map((s) => s.Action)).toEqual(['execute-api:Invoke', 'execute-api:Invoke']);
    expect(JSON.stringify(operator[0]?.Resource)).toMatch(
      /\/prod\/POST\/v1\/incidents\/\*"\]\]\}$/,
    );
    expect(JSON.stringify(operator[1]?.Resource)).toMatch(/\/prod\/GET\/v1\/incidents"\]\]\}$/);
  });

  it("refuses the operator routes to every principal but the operator role in the API's resource policy", () => {
    const [api] = Object.values(
      template.findResources('AWS::ApiGateway::RestApi'),
    ) as CfnResource[];
    const policy = api?.Properties.Policy as { Statement: PolicyStatement[] } | undefined;
    const statements = policy?.Statement ?? [];
    const refusal = statements.find((s) => s.Sid === 'OperatorRoutesForTheOperatorRoleOnly');
    expect(refusal).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'execute-api:Invoke',
      Resource: ['execute-api:/prod/GET/v1/incidents', 'execute-api:/prod/POST/v1/incidents/*'],
    });
    const operatorRole = logicalIdOf(template, 'AWS::IAM::Role', 'OperatorApiReleaseOperatorRole');
    expect(refusal?.Condition?.ArnNotEquals).toEqual({
      'aws:PrincipalArn': { 'Fn::GetAtt': [operatorRole, 'Arn'] },
    });
  });
});

describe('encryption', () => {
  it('encrypts every queue with a customer-managed key and refuses plain HTTP', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(4);
    for (const [id, queue] of Object.entries(queues)) {
      expect((queue as CfnResource).Properties.KmsMasterKeyId, id).toMatchObject({
        'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'],
      });
    }
    const policies = Object.values(
      template.findResources('AWS::SQS::QueuePolicy'),
    ) as CfnResource[];
    for (const id of [ids.respondQueue, ids.respondDlq, ids.ticketQueue, ids.ticketDlq]) {
      const policy = policies.find((p) =>
        (p.Properties.Queues as unknown[]).some((q) => refersTo(q, id)),
      );
      if (!policy) throw new Error(`no queue policy for ${id}`);
      const statements = (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] })
        .Statement;
      expect(statements, id).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('encrypts both tables with customer-managed keys and keeps point-in-time recovery on', () => {
    const tables = template.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(2);
    for (const [id, table] of Object.entries(tables)) {
      const props = (table as CfnResource).Properties;
      expect(props.SSESpecification, id).toMatchObject({
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: expect.anything(),
      });
      expect(props.PointInTimeRecoverySpecification, id).toEqual({
        PointInTimeRecoveryEnabled: true,
      });
    }
  });

  it('protects the ledger from deletion, with its own key, retained with the stack', () => {
    const ledger = template.findResources('AWS::DynamoDB::Table')[ids.ledger] as CfnResource;
    expect(ledger.Properties.DeletionProtectionEnabled).toBe(true);
    expect(ledger.DeletionPolicy).toBe('Retain');
    expect(JSON.stringify(ledger.Properties.SSESpecification)).toContain('LedgerKey');
  });

  it('expires working state by TTL on the state table', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('rotates every customer-managed key and encrypts every secret and the alarm topic', () => {
    for (const [id, key] of Object.entries(template.findResources('AWS::KMS::Key'))) {
      // KMS rotates symmetric keys only; the checkpoint signing key is asymmetric by design.
      if ((key as CfnResource).Properties.KeyUsage === 'SIGN_VERIFY') continue;
      expect((key as CfnResource).Properties.EnableKeyRotation, id).toBe(true);
    }
    for (const [id, secret] of Object.entries(
      template.findResources('AWS::SecretsManager::Secret'),
    )) {
      expect((secret as CfnResource).Properties.KmsKeyId, id).toBeDefined();
    }
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });
});

describe('dead-letter queues and alarms', () => {
  it('dead-letters each work queue after 5 receives, keeping messages 14 days', () => {
    for (const [queue, dlq] of [
      [ids.respondQueue, ids.respondDlq],
      [ids.ticketQueue, ids.ticketDlq],
    ] as const) {
      const props = (template.findResources('AWS::SQS::Queue')[queue] as CfnResource).Properties;
      expect(props.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] },
        maxReceiveCount: 5,
      });
      const dlqProps = (template.findResources('AWS::SQS::Queue')[dlq] as CfnResource).Properties;
      expect(dlqProps?.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    }
  });

  it('keeps each message invisible for at least six times its consumer timeout', () => {
    const timeoutOf = (fn: string) =>
      (template.findResources('AWS::Lambda::Function')[fn] as CfnResource).Properties
        ?.Timeout as number;
    const visibilityOf = (queue: string) =>
      (template.findResources('AWS::SQS::Queue')[queue] as CfnResource).Properties
        ?.VisibilityTimeout as number;
    expect(visibilityOf(ids.respondQueue)).toBeGreaterThanOrEqual(
      6 * timeoutOf(functions.respond as string),
    );
    expect(visibilityOf(ids.ticketQueue)).toBeGreaterThanOrEqual(
      6 * timeoutOf(functions.openTickets as string),
    );
  });

  it('alarms on any message in either dead-letter queue, to the alarm topic', () => {
    for (const dlq of [ids.respondDlq, ids.ticketDlq]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        AlarmActions: [
          { Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'ObservabilityAlarmTopic') },
        ],
      });
    }
  });

  it('alarms on respond errors, failed actions, approvals waiting and p99 time to contain', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functions.respond } }],
      Threshold: 0,
    });
    const custom = (metricName: string) => ({
      Namespace: 'RevocationResponder',
      MetricName: metricName,
      Dimensions: [{ Name: 'service', Value: 'revocation-responder' }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...custom('ActionsFailed'),
      Statistic: 'Sum',
      Threshold: 0,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...custom('ApprovalRequired'),
      Statistic: 'Sum',
      Threshold: 0,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...custom('TimeToContain'),
      ExtendedStatistic: 'p99',
      Threshold: TIME_TO_CONTAIN_P99_THRESHOLD_MS,
    });
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect((alarm as CfnResource).Properties.TreatMissingData).toBe('notBreaching');
    }
    template.resourceCountIs('AWS::CloudWatch::Alarm', 7);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('Lambda defaults', () => {
  it('runs every function on Node 24, arm64, with active tracing, JSON logs in its own log group', () => {
    const all = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(all)).toHaveLength(7);
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    for (const [id, fn] of Object.entries(all)) {
      const props = (fn as CfnResource).Properties;
      expect(props.Runtime, id).toBe('nodejs24.x');
      expect(props.Architectures, id).toEqual(['arm64']);
      expect(props.TracingConfig, id).toEqual({ Mode: 'Active' });
      expect(props.Handler, id).toBe('index.handler');
      const logging = props.LoggingConfig as { LogGroup: { Ref: string }; LogFormat: string };
      expect(logging.LogFormat, id).toBe('JSON');
      const logGroup = logGroups[logging.LogGroup.Ref] as CfnResource;
      expect(logGroup.Properties.RetentionInDays, id).toBe(90);
      expect(environmentOf(template, id), id).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'revocation-responder',
        POWERTOOLS_METRICS_NAMESPACE: 'RevocationResponder',
        NODE_OPTIONS: expect.stringMatching(/^--enable-source-maps( |$)/),
        LEDGER_TABLE_NAME: { Ref: ids.ledger },
      });
    }
  });

  it('gives each function only the secret, queue, table and bus settings it uses', () => {
    const holders = (variable: string) =>
      Object.keys(functions)
        .filter((name) => variable in environmentOf(template, functions[name] as string))
        .sort();
    const actors = ['release', 'respond', 'watchContainment'];
    expect(holders('GRAPH_SECRET_ARN')).toEqual([]);
    expect(holders('GRAPH_CREDENTIAL')).toEqual(actors);
    expect(holders('OKTA_SECRET_ARN')).toEqual(['release', 'respond']);
    expect(holders('GRAPH_BASE_URL')).toEqual(actors);
    expect(holders('RESPONDER_ACCOUNT_ID')).toEqual(actors);
    // Graph pacing: each of maxConcurrency (default 10) respond instances takes a tenth.
    expect(environmentOf(template, functions.respond as string).GRAPH_QUOTA_SHARE).toBe('10');
    expect(holders('STATE_TABLE_NAME')).toEqual(['intakeApi', 'release', 'respond']);
    expect(holders('EVENT_BUS_NAME')).toEqual(['release', 'respond', 'watchContainment']);
    expect(holders('TICKET_SECRET_ARN')).toEqual(['openTickets']);
    expect(holders('LEDGER_PAGE_TOKEN_SECRET_ARN')).toEqual(['ledgerApi']);
    expect(holders('RESPOND_QUEUE_URL')).toEqual(['intakeApi']);
    expect(holders('CHECKPOINT_SIGNING_KEY_ID')).toEqual(['checkpoint']);
    expect(holders('CHECKPOINT_BUCKET_NAME')).toEqual(['checkpoint', 'ledgerApi']);
    expect(Object.keys(environmentOf(template, functions.checkpoint as string)).sort()).toEqual([
      'CHECKPOINT_BUCKET_NAME',
      'CHECKPOINT_SIGNING_KEY_ID',
      'LEDGER_TABLE_NAME',
      'NODE_OPTIONS',
      'POWERTOOLS_METRICS_NAMESPACE',
      'POWERTOOLS_SERVICE_NAME',
    ]);
    const respond = environmentOf(template, functions.respond as string);
    expect(respond.TRUSTED_EVENT_SOURCES).toBe('soar.playbook');
    expect(respond.EVENT_BUS_NAME).toEqual({ Ref: ids.bus });
    // No transmitter configured in cdk.json: the SET endpoint has nothing to trust.
    expect(holders('SSF_TRANSMITTERS')).toEqual([]);
  });

  it('acts with AWS IAM only in the account it is deployed to', () => {
    for (const name of ['respond', 'release']) {
      expect(environmentOf(template, functions[name] as string).RESPONDER_ACCOUNT_ID, name).toEqual(
        { Ref: 'AWS::AccountId' },
      );
    }
  });

  it('embeds no configuration file in environment variables (4 KB limit): esbuild inlines it', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const env = JSON.stringify((fn as CfnResource).Properties.Environment);
      expect(env).not.toContain('RESPONDER_EMBEDDED_CONFIG');
      expect(env.length).toBeLessThan(4096);
    }
  });
});

describe('function environments', () => {
  /**
   * What each function cannot start without, read from its handler and shared/aws/runtime.ts:
   * the `required` lists passed to `lambdaEnv`, plus what the composition root reads directly
   * or needs to act at all. Keep in step with those files.
   */
  const REQUIRED: Record<string, readonly (keyof LambdaEnv | 'RESPONDER_ACCOUNT_ID')[]> = {
    // respondRuntime: lambdaEnv(['LEDGER_TABLE_NAME', 'STATE_TABLE_NAME', 'EVENT_BUS_NAME']);
    // identityProviders: GRAPH_CREDENTIAL (Entra) and RESPONDER_ACCOUNT_ID (AWS IAM).
    respond: [
      'LEDGER_TABLE_NAME',
      'STATE_TABLE_NAME',
      'EVENT_BUS_NAME',
      'GRAPH_CREDENTIAL',
      'TRUSTED_EVENT_SOURCES',
      'RESPONDER_ACCOUNT_ID',
    ],
    // operatorDeps: lambdaEnv(['LEDGER_TABLE_NAME', 'EVENT_BUS_NAME']); the identity providers.
    release: ['LEDGER_TABLE_NAME', 'EVENT_BUS_NAME', 'GRAPH_CREDENTIAL', 'RESPONDER_ACCOUNT_ID'],
    // intakeApiDeps: ['RESPOND_QUEUE_URL']; ledgerFor; the SET replay guard: ['STATE_TABLE_NAME'].
    intakeApi: ['RESPOND_QUEUE_URL', 'LEDGER_TABLE_NAME', 'STATE_TABLE_NAME'],
    // openTicketsDeps: ['TICKET_SECRET_ARN']; ledgerFor.
    openTickets: ['TICKET_SECRET_ARN', 'LEDGER_TABLE_NAME'],
    // handler: ['LEDGER_PAGE_TOKEN_SECRET_ARN']; ledgerFor.
    // ... and anchorsFor: ['CHECKPOINT_BUCKET_NAME'].
    ledgerApi: ['LEDGER_PAGE_TOKEN_SECRET_ARN', 'LEDGER_TABLE_NAME', 'CHECKPOINT_BUCKET_NAME'],
    // ledgerFor; anchorDepsFor: the signing key and the anchor bucket.
    checkpoint: ['LEDGER_TABLE_NAME', 'CHECKPOINT_SIGNING_KEY_ID', 'CHECKPOINT_BUCKET_NAME'],
    // watchDeps: lambdaEnv(['LEDGER_TABLE_NAME', 'EVENT_BUS_NAME']); the identity providers.
    watchContainment: [
      'LEDGER_TABLE_NAME',
      'EVENT_BUS_NAME',
      'GRAPH_CREDENTIAL',
      'RESPONDER_ACCOUNT_ID',
      'WATCH_INTERVAL_MINUTES',
    ],
    // ssfTransmitDeps: ['STATE_TABLE_NAME', 'SSF_SIGNING_KEY_ID', 'SSF_ISSUER']; ledgerFor.
    ssfTransmit: ['LEDGER_TABLE_NAME', 'STATE_TABLE_NAME', 'SSF_SIGNING_KEY_ID', 'SSF_ISSUER'],
    // ssfApiDeps: streams, the key's public half, the transmit queue (lambdaEnv requires the ledger's name).
    ssfApi: [
      'LEDGER_TABLE_NAME',
      'STATE_TABLE_NAME',
      'SSF_SIGNING_KEY_ID',
      'SSF_ISSUER',
      'SSF_BASE_URL',
      'SSF_TRANSMIT_QUEUE_URL',
    ],
    // handler: the token issuer, audience and keys (lambdaEnv's schema requires the ledger's name).
    ssfAuthorizer: [
      'LEDGER_TABLE_NAME',
      'SSF_TOKEN_ISSUER',
      'SSF_TOKEN_AUDIENCE',
      'SSF_TOKEN_JWKS_URI',
    ],
  };

  /** The variables the functions read: lambda-env.ts's schema, Powertools and Node's own. */
  const KNOWN = new Set([
    'SSF_TRANSMIT_QUEUE_URL',
    'SSF_AUDIENCES',
    'LEDGER_TABLE_NAME',
    'STATE_TABLE_NAME',
    'EVENT_BUS_NAME',
    'GRAPH_SECRET_ARN',
    'GRAPH_CREDENTIAL',
    'ENTRA_CLIENT_ID',
    'OKTA_SECRET_ARN',
    'GRAPH_BASE_URL',
    'ENTRA_AUTHORITY_HOST',
    'ENTRA_TENANT_IDS',
    'TRUSTED_EVENT_SOURCES',
    'GRAPH_QUOTA_SHARE',
    'WATCH_INTERVAL_MINUTES',
    'TICKET_SECRET_ARN',
    'LEDGER_PAGE_TOKEN_SECRET_ARN',
    'RESPOND_QUEUE_URL',
    'SSF_TRANSMITTERS',
    'CHECKPOINT_SIGNING_KEY_ID',
    'CHECKPOINT_BUCKET_NAME',
    'SSF_SIGNING_KEY_ID',
    'SSF_ISSUER',
    'SSF_BASE_URL',
    'SSF_DEFAULT_SUBJECTS',
    'SSF_TOKEN_ISSUER',
    'SSF_TOKEN_AUDIENCE',
    'SSF_TOKEN_JWKS_URI',
    'RESPONDER_ACCOUNT_ID',
    'POWERTOOLS_SERVICE_NAME',
    'POWERTOOLS_METRICS_NAMESPACE',
    'NODE_OPTIONS',
  ]);

  /** The environment as Lambda will see it: deploy-time references become placeholder text. */
  function deployed(name: string): Record<string, string> {
    const ssfId = ssfFunctions[name];
    const env = ssfId
      ? environmentOf(ssfTemplate, ssfId)
      : environmentOf(template, functions[name] as string);
    return Object.fromEntries(
      Object.entries(env).map(([key, value]) => [
        key,
        // A URL, so variables that must be URLs (the API's own) are checked as such.
        typeof value === 'string' ? value : `https://resolved-at-deploy.example/${key}`,
      ]),
    );
  }

  it('covers every function of the stack, the Shared Signals transmitter included', () => {
    const all = [...Object.keys(functions), ...Object.keys(ssfFunctions)];
    expect(Object.keys(REQUIRED).sort()).toEqual(all.sort());
    expect(Object.keys(ssfTemplate.findResources('AWS::Lambda::Function'))).toHaveLength(
      all.length,
    );
  });

  it.each(Object.entries(REQUIRED))('sets every variable %s requires, non-empty', (name, vars) => {
    const env = deployed(name);
    for (const variable of vars) expect(env[variable], `${name} ${variable}`).toBeTruthy();
  });

  it.each(Object.entries(REQUIRED))(
    'gives %s an environment its configuration schema accepts',
    (name, vars) => {
      const required = vars.filter((v): v is keyof LambdaEnv => v !== 'RESPONDER_ACCOUNT_ID');
      expect(() => lambdaEnv(deployed(name), required)).not.toThrow();
    },
  );

  it('sets no variable that no function reads (a renamed setting would pass silently)', () => {
    for (const name of Object.keys(REQUIRED)) {
      const unknown = Object.keys(deployed(name)).filter((key) => !KNOWN.has(key));
      expect(unknown, name).toEqual([]);
    }
  });
});

describe("signed checkpoints outside the writers' reach", () => {
  const allRoles = () => Object.keys(template.findResources('AWS::IAM::Role'));
  const allowedActions = (roleId: string) =>
    statementsOfRole(template, roleId)
      .filter((s) => s.Effect === 'Allow')
      .flatMap(actionsOf);

  it('signs with an ECC_NIST_P256 SIGN_VERIFY key that only checkpoint may use to sign', () => {
    const keys = Object.entries(template.findResources('AWS::KMS::Key')).filter(
      ([, key]) => (key as CfnResource).Properties.KeyUsage === 'SIGN_VERIFY',
    );
    expect(keys).toHaveLength(1);
    expect((keys[0]?.[1] as CfnResource | undefined)?.Properties.KeySpec).toBe('ECC_NIST_P256');
    const signers = allRoles().filter((role) =>
      allowedActions(role).some((a) => a === 'kms:Sign' || a === 'kms:*' || a === '*'),
    );
    expect(signers).toEqual([roles.checkpoint]);
    // No writer of the ledger (respond, release, intake, tickets) nor the auditor API can sign.
    for (const name of ['respond', 'release', 'intakeApi', 'openTickets', 'ledgerApi']) {
      expect(allowedActions(roles[name] as string), name).not.toContain('kms:Sign');
    }
  });

  it('anchors in a versioned, encrypted, private, SSL-only bucket with Object Lock compliance for 400 days', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: Match.objectLike({}),
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const policy = JSON.stringify(template.findResources('AWS::S3::BucketPolicy'));
    expect(policy).toContain('aws:SecureTransport');
    expect(policy).toContain('s3:DeleteObjectVersion');
  });

  it('lets no role delete an anchored checkpoint, and only checkpoint add one', () => {
    for (const role of allRoles()) {
      const actions = allowedActions(role);
      expect(
        actions.filter((a) => /^s3:(Delete|PutObjectRetention|Bypass|\*)/.test(a)),
        role,
      ).toEqual([]);
      if (role !== roles.checkpoint) expect(actions, role).not.toContain('s3:PutObject');
    }
  });
});

describe('ledger checkpoint', () => {
  const scheduled = () =>
    Object.values(template.findResources('AWS::Events::Rule')).filter(
      (rule) => (rule as CfnResource).Properties.ScheduleExpression !== undefined,
    ) as CfnResource[];

  it('runs checkpoint every 15 minutes from an EventBridge schedule', () => {
    const rule = scheduled().find((r) => r.Properties.ScheduleExpression === 'rate(15 minutes)');
    expect(rule?.Properties.ScheduleExpression).toBe('rate(15 minutes)');
    expect(rule?.Properties.State).toBe('ENABLED');
    const [target, ...others] = targetsOf(rule as CfnResource);
    expect(others).toEqual([]);
    expect(refersTo(target?.Arn, functions.checkpoint as string)).toBe(true);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [functions.checkpoint, 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });

  it('sweeps expired approval requests every 5 minutes with the operator function', () => {
    expect(
      scheduled()
        .map((r) => r.Properties.ScheduleExpression)
        .sort(),
    ).toEqual(['rate(15 minutes)', 'rate(5 minutes)']);
    const rule = scheduled().find((r) => r.Properties.ScheduleExpression === 'rate(5 minutes)');
    expect(rule?.Properties.State).toBe('ENABLED');
    const [target, ...others] = targetsOf(rule as CfnResource);
    expect(others).toEqual([]);
    expect(refersTo(target?.Arn, functions.release as string)).toBe(true);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [functions.release, 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });

  it('lets checkpoint append and query the ledger indexes, never update or delete', () => {
    const statements = statementsOfRole(template, roles.checkpoint as string);
    const allowed = statements.filter((s) => s.Effect === 'Allow').flatMap(actionsOf);
    expect(new Set(allowed.filter((a) => a.startsWith('dynamodb:')))).toEqual(
      new Set([
        'dynamodb:PutItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:Query',
        'dynamodb:GetItem',
      ]),
    );
    for (const index of [LEDGER_INDEX.byMonth, LEDGER_INDEX.incidents]) {
      expect(
        statements.some(
          (s) =>
            s.Effect === 'Allow' &&
            actionsOf(s).includes('dynamodb:Query') &&
            JSON.stringify(s.Resource).includes(`/index/${index}`),
        ),
        index,
      ).toBe(true);
    }
    const denied = statements.filter((s) => s.Effect === 'Deny').flatMap(actionsOf);
    expect(denied).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:DeleteItem']));
    expect(allowed.some((a) => /^(sqs|events|secretsmanager|iam):/.test(a))).toBe(false);
  });

  it('alarms on checkpoint errors, to the alarm topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functions.checkpoint } }],
      Statistic: 'Sum',
      Period: 900,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'ObservabilityAlarmTopic') }],
    });
  });
});

describe('HTTP API', () => {
  function method(httpMethod: string, pathPart: string): CfnResource {
    const resources = template.findResources('AWS::ApiGateway::Resource');
    const resourceId = Object.entries(resources).find(
      ([, r]) => (r as CfnResource).Properties.PathPart === pathPart,
    )?.[0];
    const found = Object.values(template.findResources('AWS::ApiGateway::Method')).find(
      (m) =>
        (m as CfnResource).Properties.HttpMethod === httpMethod &&
        refersTo((m as CfnResource).Properties.ResourceId, resourceId as string),
    );
    if (!found) throw new Error(`no ${httpMethod} on ${pathPart}`);
    return found as CfnResource;
  }

  it('requires SigV4 on detections, ledger and release, and nothing but the SET signature on ssf', () => {
    expect(method('POST', 'detections').Properties.AuthorizationType).toBe('AWS_IAM');
    expect(method('GET', '{proxy+}').Properties.AuthorizationType).toBe('AWS_IAM');
    expect(method('POST', 'release').Properties.AuthorizationType).toBe('AWS_IAM');
    expect(method('POST', 'events').Properties.AuthorizationType).toBe('NONE');
    expect(method('GET', 'evidence').Properties.AuthorizationType).toBe('AWS_IAM');
    template.resourceCountIs('AWS::ApiGateway::Method', 8);
  });

  it('routes approve, deny, release and the incident list to the operator function, SigV4 only', () => {
    for (const [verb, part] of [
      ['POST', 'approve'],
      ['POST', 'deny'],
      ['POST', 'release'],
      ['GET', 'incidents'],
    ] as const) {
      const m = method(verb, part);
      expect(m.Properties.AuthorizationType, part).toBe('AWS_IAM');
      expect(JSON.stringify(m.Properties.Integration), part).toContain(functions.release);
    }
  });

  it('validates request bodies and parameters, logs access as JSON and throttles the SET endpoint harder', () => {
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    expect(method('POST', 'detections').Properties.RequestValidatorId).toBeDefined();
    expect(method('POST', 'release').Properties.RequestParameters).toEqual({
      'method.request.path.id': true,
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('caller'),
      },
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 50,
          DataTraceEnabled: false,
          LoggingLevel: 'ERROR',
        }),
        Match.objectLike({
          HttpMethod: 'POST',
          ResourcePath: '/~1v1~1ssf~1events',
          ThrottlingRateLimit: 10,
          ThrottlingBurstLimit: 20,
        }),
      ]),
    });
  });

  it('routes each path to its function', () => {
    const integrationOf = (m: CfnResource) => JSON.stringify(m.Properties.Integration);
    expect(integrationOf(method('POST', 'detections'))).toContain(functions.intakeApi);
    expect(integrationOf(method('POST', 'events'))).toContain(functions.intakeApi);
    expect(integrationOf(method('GET', '{proxy+}'))).toContain(functions.ledgerApi);
    expect(integrationOf(method('POST', 'release'))).toContain(functions.release);
  });
});

describe('schema registry', () => {
  it('publishes the detection event as a JSON Schema draft 4 in the responder registry', () => {
    template.hasResourceProperties('AWS::EventSchemas::Registry', {
      RegistryName: 'revocation-responder',
    });
    const schema = Object.values(
      template.findResources('AWS::EventSchemas::Schema'),
    )[0] as CfnResource;
    expect(schema.Properties.Type).toBe('JSONSchemaDraft4');
    expect(schema.Properties.SchemaName).toBe('revocation-responder@SessionCompromiseDetected');
    const content = JSON.parse(schema.Properties.Content as string);
    expect(content.$schema).toBe('http://json-schema.org/draft-04/schema#');
    expect(content.properties['detail-type'].enum).toEqual(['Session Compromise Detected']);
    expect(content.properties.detail.required).toContain('detectionId');
  });
});

/** Every finding cdk-nag's AwsSolutions pack reports and nobody acknowledged, by rule and path. */
function unacknowledged(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map(
      (resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}`,
    ),
  );
}

/** Every acknowledgement recorded in the tree: rule id, reason, where. */
function acknowledgements(scope: IConstruct): { id: string; reason: string; path: string }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          id,
          reason,
          path: construct.node.path,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('leaves no error or warning unacknowledged in the stack as cdk.json configures it', () => {
    expect(unacknowledged(synthesizeDefaultStack().app)).toEqual([]);
  });

  it('justifies every acknowledgement in one specific sentence', () => {
    const all = acknowledgements(synthesizeDefaultStack().app);
    expect(all.length).toBeGreaterThan(0);
    for (const { id, reason, path } of all) {
      const where = `${id} at ${path}`;
      expect(id, where).toMatch(/^(annotation::)?AwsSolutions-[A-Z]+\d+(\[.+\])?$/i);
      expect(reason, where).toMatch(/^[A-Z][\s\S]*\.$/);
      // One sentence: no full stop followed by another sentence.
      expect(reason.slice(0, -1), where).not.toMatch(/\.\s+[A-Z]/);
      expect(reason.length, where).toBeGreaterThan(60);
      expect(reason.length, where).toBeLessThan(300);
    }
  });

  it('acknowledges wildcard permissions one finding at a time, never a whole rule', () => {
    const wildcards = acknowledgements(synthesizeDefaultStack().app).filter(({ id }) =>
      id.includes('IAM5'),
    );
    expect(wildcards.length).toBeGreaterThan(0);
    for (const { id } of wildcards) expect(id).toMatch(/AwsSolutions-IAM5\[Resource::.+\]$/);
  });

  it('reports a finding nobody acknowledged, so the check above can fail', () => {
    const app = new App();
    const stack = new Stack(app, 'Careless');
    new sqs.Queue(stack, 'Plain', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(unacknowledged(app)).toEqual(
      expect.arrayContaining([
        'error AwsSolutions-SQS3 at Careless/Plain/Resource',
        'error AwsSolutions-SQS4 at Careless/Plain/Resource',
      ]),
    );
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
