import { describe, expect, it } from 'vitest';
import {
  type CfnResource,
  logicalIdOf,
  type PolicyStatement,
  synthesizeDefaultStack,
  synthesizeStack,
} from './support.ts';

const PUBLISHER = 'arn:aws:iam::111122223333:role/soar-publisher';
const SOAR = 'arn:aws:iam::111122223333:role/soar-caller';

function busStatements(template: ReturnType<typeof synthesizeStack>['template']) {
  return Object.values(template.findResources('AWS::Events::EventBusPolicy')).map(
    (p) => (p as CfnResource).Properties.Statement as PolicyStatement,
  );
}

function apiStatements(template: ReturnType<typeof synthesizeStack>['template']) {
  const apis = Object.values(template.findResources('AWS::ApiGateway::RestApi')) as CfnResource[];
  expect(apis).toHaveLength(1);
  return ((apis[0] as CfnResource).Properties.Policy as { Statement: PolicyStatement[] }).Statement;
}

function queueStatements(template: ReturnType<typeof synthesizeStack>['template']) {
  return (Object.values(template.findResources('AWS::SQS::QueuePolicy')) as CfnResource[]).flatMap(
    (p) => (p.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement,
  );
}

const bySid = (statements: PolicyStatement[], sid: string) => {
  const found = statements.filter((s) => s.Sid === sid);
  expect(found, sid).toHaveLength(1);
  return found[0] as PolicyStatement;
};

describe('trust boundaries (resource policies)', () => {
  const configured = synthesizeStack({
    detectionPublisherArns: [PUBLISHER],
    soarCallerRoleArns: [SOAR],
  }).template;
  const closed = synthesizeDefaultStack().template;

  it('denies native detections on the bus to every principal but the configured publishers', () => {
    const deny = bySid(
      busStatements(configured),
      'cdk-NativeDetectionsFromConfiguredPublishersOnly',
    );
    expect(deny).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'events:PutEvents',
      Condition: {
        'ForAnyValue:StringEquals': { 'events:detail-type': ['Session Compromise Detected'] },
        ArnNotEquals: { 'aws:PrincipalArn': [PUBLISHER] },
      },
    });
  });

  it('fails closed on the bus: with no publishers configured, native detections are denied to everyone', () => {
    const deny = bySid(busStatements(closed), 'cdk-NativeDetectionsFromConfiguredPublishersOnly');
    expect(deny.Effect).toBe('Deny');
    expect(deny.Condition).toEqual({
      'ForAnyValue:StringEquals': { 'events:detail-type': ['Session Compromise Detected'] },
    });
  });

  it('denies POST /v1/detections to every principal but the SOAR caller roles', () => {
    const deny = bySid(apiStatements(configured), 'DetectionsFromSoarCallersOnly');
    expect(deny).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'execute-api:Invoke',
      Resource: 'execute-api:/prod/POST/v1/detections',
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': [SOAR] } },
    });
    const failClosed = bySid(apiStatements(closed), 'DetectionsFromSoarCallersOnly');
    expect(failClosed.Effect).toBe('Deny');
    expect(failClosed.Condition).toBeUndefined();
  });

  it('denies the ledger and evidence routes to every principal but the auditor role', () => {
    const auditor = logicalIdOf(closed, 'AWS::IAM::Role', 'AuditorApiAuditorRole');
    const deny = bySid(apiStatements(closed), 'AuditRoutesForTheAuditorRoleOnly');
    expect(deny).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'execute-api:Invoke',
      Resource: [
        'execute-api:/prod/GET/v1/incidents/*/evidence',
        'execute-api:/prod/GET/v1/ledger/*',
      ],
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [auditor, 'Arn'] } } },
    });
  });

  it('keeps the operator routes for the operator role only', () => {
    const deny = bySid(apiStatements(closed), 'OperatorRoutesForTheOperatorRoleOnly');
    expect(deny.Effect).toBe('Deny');
    expect(deny.Condition?.ArnNotEquals).toHaveProperty('aws:PrincipalArn');
  });

  it('keeps the SET receiver open at the IAM layer (the handler verifies signatures)', () => {
    const allow = bySid(apiStatements(closed), 'SignedSetsFromAnyone');
    expect(allow).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Resource: 'execute-api:/prod/POST/v1/ssf/events',
    });
    expect(allow.Condition).toBeUndefined();
    // No Deny names the SET route.
    const denies = apiStatements(closed).filter((s) => s.Effect === 'Deny');
    expect(JSON.stringify(denies)).not.toContain('ssf');
  });

  it('denies SendMessage on the respond queue to all but its rules and intake-api', () => {
    const rules = Object.keys(closed.findResources('AWS::Events::Rule')).filter((id) => {
      const targets = (closed.findResources('AWS::Events::Rule')[id] as CfnResource).Properties
        .Targets as { Arn: unknown }[];
      return JSON.stringify(targets).includes('ContainmentRespondQueue');
    });
    expect(rules.length).toBeGreaterThanOrEqual(4);
    const intakeRole = logicalIdOf(closed, 'AWS::IAM::Role', 'IntakeIntakeApiRole');
    const deny = bySid(queueStatements(closed), 'OnlyIntakeSendsToRespond');
    expect(deny).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sqs:SendMessage',
    });
    const sourceArns = deny.Condition?.ArnNotEquals?.['aws:SourceArn'] as unknown[];
    expect(sourceArns.map((arn) => JSON.stringify(arn)).sort()).toEqual(
      rules.map((id) => JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] })).sort(),
    );
    expect(deny.Condition?.ArnNotEquals?.['aws:PrincipalArn']).toEqual({
      'Fn::GetAtt': [intakeRole, 'Arn'],
    });
  });
});
